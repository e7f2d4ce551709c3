using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Routing.Executor.Tenancy;

/// <summary>
/// The tenants file: <c>{"tenants":[{"name":"acme","apiKeySha256":["&lt;64 hex&gt;", …]}]}</c>. Only hashes are
/// stored, so the file (a Kubernetes Secret) never holds a usable key; several hashes per tenant allow rotation.
/// </summary>
public static class TenantKeyFile
{
    /// <summary>Parses the file into hash → tenant; every problem names the entry that has it.</summary>
    public static FrozenDictionary<string, string> Parse(string json, string source)
    {
        TenantFileModel? model;
        try
        {
            model = JsonSerializer.Deserialize(json, TenantFileJsonContext.Default.TenantFileModel);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON ({e.Message})", e);
        }
        if (model?.Tenants is null)
        {
            throw new InvalidDataException($"{source}: expected an object with a 'tenants' array");
        }

        var byHash = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < model.Tenants.Count; i++)
        {
            var entry = model.Tenants[i];
            var where = string.Create(CultureInfo.InvariantCulture, $"{source}: tenants[{i}]");
            if (string.IsNullOrEmpty(entry.Name) || !TenantName.IsValid(entry.Name))
            {
                throw new InvalidDataException($"{where}.name must be 1–64 letters, digits, '.', '_' or '-' (got '{entry.Name}')");
            }
            if (entry.ApiKeySha256 is not { Count: > 0 })
            {
                throw new InvalidDataException($"{where}.apiKeySha256 must list at least one SHA-256 hex hash");
            }
            foreach (var hash in entry.ApiKeySha256)
            {
                var normalised = hash.ToLowerInvariant();
                if (normalised.Length != 64 || !normalised.All(char.IsAsciiHexDigit))
                {
                    throw new InvalidDataException($"{where}.apiKeySha256: '{hash}' is not 64 hex digits (store the SHA-256 of the key, never the key)");
                }
                if (!byHash.TryAdd(normalised, entry.Name))
                {
                    throw new InvalidDataException($"{where}.apiKeySha256: the same key hash is listed for '{byHash[normalised]}' too");
                }
            }
        }
        return byHash.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The file's JSON for tenants with the given plaintext keys (for <c>routing up</c> and tests).</summary>
    public static string Write(IEnumerable<(string Tenant, string ApiKey)> keys) =>
        JsonSerializer.Serialize(
            new TenantFileModel
            {
                Tenants = keys.GroupBy(k => k.Tenant, StringComparer.Ordinal)
                    .Select(g => new TenantEntry { Name = g.Key, ApiKeySha256 = g.Select(k => ApiKeyHash.Of(k.ApiKey)).ToList() })
                    .ToList(),
            },
            TenantFileJsonContext.Default.TenantFileModel);
}

public sealed class TenantFileModel
{
    public List<TenantEntry>? Tenants { get; set; }
}

public sealed class TenantEntry
{
    public string? Name { get; set; }

    public List<string>? ApiKeySha256 { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, ReadCommentHandling = JsonCommentHandling.Skip)]
[JsonSerializable(typeof(TenantFileModel))]
internal sealed partial class TenantFileJsonContext : JsonSerializerContext;
