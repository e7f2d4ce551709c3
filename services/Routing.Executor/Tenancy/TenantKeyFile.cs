using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Routing.Executor.Tenancy;

/// <summary>What the tenants file says about one tenant beyond its keys.</summary>
/// <param name="DefaultTaskBudgetMicros">The limit of a task a request names without opening it first and without an <c>X-Routing-Budget-Micros</c> header; null: such a request is refused.</param>
/// <param name="DefaultRequestBudgetMicros">The limit of the one-step task a request without any task header runs as; null: such a request is refused.</param>
public sealed record TenantSettings(long? DefaultTaskBudgetMicros, long? DefaultRequestBudgetMicros)
{
    public static readonly TenantSettings None = new(null, null);
}

/// <summary>The tenants file parsed: key hash → tenant, and each tenant's settings.</summary>
public sealed record TenantTable(FrozenDictionary<string, string> ByHash, FrozenDictionary<string, TenantSettings> Settings);

/// <summary>
/// The tenants file: <c>{"tenants":[{"name":"acme","apiKeySha256":["&lt;64 hex&gt;", …], "defaultTaskBudgetMicros": …,
/// "defaultRequestBudgetMicros": …}]}</c>. Only hashes are stored, so the file (a Kubernetes Secret) never holds a
/// usable key; several hashes per tenant allow rotation.
/// </summary>
public static class TenantKeyFile
{
    /// <summary>One million dollars: the budget service's largest amount.</summary>
    private const long MaxMicros = 1_000_000_000_000;

    /// <summary>Parses the file; every problem names the entry that has it.</summary>
    public static TenantTable Parse(string json, string source)
    {
        var model = Read(json, source);
        var byHash = new Dictionary<string, string>(StringComparer.Ordinal);
        var settings = new Dictionary<string, TenantSettings>(StringComparer.Ordinal);
        for (var i = 0; i < model.Tenants!.Count; i++)
        {
            var entry = model.Tenants[i];
            var where = string.Create(CultureInfo.InvariantCulture, $"{source}: tenants[{i}]");
            AddKeys(entry, where, byHash);
            foreach (var (field, value) in new[] { ("defaultTaskBudgetMicros", entry.DefaultTaskBudgetMicros), ("defaultRequestBudgetMicros", entry.DefaultRequestBudgetMicros) })
            {
                if (value is <= 0 or > MaxMicros)
                {
                    throw new InvalidDataException($"{where}.{field} must be between 1 and {MaxMicros} µ$ (got {value}), or absent");
                }
            }
            if (!settings.TryAdd(entry.Name!, new TenantSettings(entry.DefaultTaskBudgetMicros, entry.DefaultRequestBudgetMicros)))
            {
                throw new InvalidDataException($"{where}.name: tenant '{entry.Name}' is listed twice");
            }
        }
        return new TenantTable(byHash.ToFrozenDictionary(StringComparer.Ordinal), settings.ToFrozenDictionary(StringComparer.Ordinal));
    }

    /// <summary>A tenants file (validated) with one more tenant and key added, as <c>routing up --tenants</c> serves it beside its dev tenant.</summary>
    public static string WithTenant(string json, string source, string tenant, string apiKey)
    {
        Parse(json, source);
        var model = Read(json, source);
        if (model.Tenants!.Any(t => t.Name == tenant))
        {
            throw new InvalidDataException($"{source}: tenant '{tenant}' is reserved for this command's own key; rename it");
        }
        model.Tenants!.Add(new TenantEntry { Name = tenant, ApiKeySha256 = [ApiKeyHash.Of(apiKey)] });
        var merged = JsonSerializer.Serialize(model, TenantFileJsonContext.Default.TenantFileModel);
        Parse(merged, source);
        return merged;
    }

    private static TenantFileModel Read(string json, string source)
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
        return model;
    }

    private static void AddKeys(TenantEntry entry, string where, Dictionary<string, string> byHash)
    {
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

    /// <summary>The file's JSON for tenants with the given plaintext keys (for <c>routing up</c> and tests).</summary>
    public static string Write(IEnumerable<(string Tenant, string ApiKey)> keys, IReadOnlyDictionary<string, TenantSettings>? settings = null) =>
        JsonSerializer.Serialize(
            new TenantFileModel
            {
                Tenants = keys.GroupBy(k => k.Tenant, StringComparer.Ordinal)
                    .Select(g => new TenantEntry
                    {
                        Name = g.Key,
                        ApiKeySha256 = g.Select(k => ApiKeyHash.Of(k.ApiKey)).ToList(),
                        DefaultTaskBudgetMicros = settings?.GetValueOrDefault(g.Key)?.DefaultTaskBudgetMicros,
                        DefaultRequestBudgetMicros = settings?.GetValueOrDefault(g.Key)?.DefaultRequestBudgetMicros,
                    })
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

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? DefaultTaskBudgetMicros { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? DefaultRequestBudgetMicros { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, ReadCommentHandling = JsonCommentHandling.Skip)]
[JsonSerializable(typeof(TenantFileModel))]
internal sealed partial class TenantFileJsonContext : JsonSerializerContext;
