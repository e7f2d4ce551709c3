using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Routing.Backends.Credentials;
using Routing.Backends.Tokenization;

namespace Routing.Backends.Pool;

/// <summary>
/// The agent pool file: <c>{"agents":[{name, endpoint, model, priceInMicrosPerMTok, priceOutMicrosPerMTok, tier,
/// maxOutputTokens, credentialRef}]}</c> (docs/agents.md). Parsing and validation collect every problem, each
/// naming its field (<c>agents[2].priceOutMicrosPerMTok</c>), so one edit can fix them all.
/// </summary>
public static class AgentPoolDocument
{
    private const int MaxNameLength = 128;

    private static readonly string[] Fields =
        ["name", "endpoint", "model", "priceInMicrosPerMTok", "priceOutMicrosPerMTok", "tier", "maxOutputTokens", "credentialRef", "imageTokenBound",
         "tokenizer", "priceCachedInMicrosPerMTok", "priceCacheWriteMicrosPerMTok", "api"];

    /// <summary>The agents of a pool file, or the problems that make it unusable (then no agents).</summary>
    public static (IReadOnlyList<AgentDefinition> Agents, IReadOnlyList<string> Errors) Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            return ([], [$"the file is not valid JSON: {e.Message}"]);
        }

        using (document)
        {
            var errors = new List<string>();
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("agents", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                return ([], ["agents: required, an array of agent objects ({\"agents\":[…]})"]);
            }

            var agents = new List<AgentDefinition>();
            var i = 0;
            foreach (var entry in list.EnumerateArray())
            {
                if (ParseAgent(entry, $"agents[{i}]", errors) is { } agent)
                {
                    agents.Add(agent);
                }

                i++;
            }

            errors.AddRange(Validate(agents));
            return errors.Count == 0 ? (agents, errors) : ([], errors);
        }
    }

    /// <summary>Problems of a set of agents (also those built in code, such as the simulator's), each naming its field.</summary>
    public static List<string> Validate(IReadOnlyList<AgentDefinition> agents)
    {
        ArgumentNullException.ThrowIfNull(agents);
        var errors = new List<string>();
        if (agents.Count == 0)
        {
            errors.Add("agents: the pool needs at least one agent");
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < agents.Count; i++)
        {
            var a = agents[i];
            var at = $"agents[{i}]";
            if (string.IsNullOrWhiteSpace(a.Name) || a.Name.Length > MaxNameLength || a.Name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                errors.Add($"{at}.name: required, 1 to {MaxNameLength} characters without spaces");
            }
            else if (seen.TryGetValue(a.Name, out var first))
            {
                errors.Add($"{at}.name: duplicate name '{a.Name}' (also agents[{first}].name)");
            }
            else
            {
                seen[a.Name] = i;
            }

            if (EndpointProblem(a.Endpoint) is { } endpoint)
            {
                errors.Add($"{at}.endpoint: {endpoint}");
            }

            if (string.IsNullOrWhiteSpace(a.Model))
            {
                errors.Add($"{at}.model: required, the model name the backend serves");
            }

            if (a.PriceInMicrosPerMTok < 0)
            {
                errors.Add($"{at}.priceInMicrosPerMTok: must be ≥ 0 µ$ per million tokens, got {a.PriceInMicrosPerMTok}");
            }

            if (a.PriceOutMicrosPerMTok < 0)
            {
                errors.Add($"{at}.priceOutMicrosPerMTok: must be ≥ 0 µ$ per million tokens, got {a.PriceOutMicrosPerMTok}");
            }

            if (a.PriceCachedInMicrosPerMTok < 0)
            {
                errors.Add($"{at}.priceCachedInMicrosPerMTok: must be ≥ 0 µ$ per million tokens, got {a.PriceCachedInMicrosPerMTok}");
            }

            if (a.PriceCacheWriteMicrosPerMTok < 0)
            {
                errors.Add($"{at}.priceCacheWriteMicrosPerMTok: must be ≥ 0 µ$ per million tokens, got {a.PriceCacheWriteMicrosPerMTok}");
            }

            if (a.Tier < 0)
            {
                errors.Add($"{at}.tier: must be ≥ 0 (0 = smallest), got {a.Tier}");
            }

            if (a.MaxOutputTokens < 1)
            {
                errors.Add($"{at}.maxOutputTokens: must be ≥ 1, got {a.MaxOutputTokens}");
            }

            if (a.Api == AgentApi.Anthropic && SimulatorEndpoint.IsSimulator(a.Endpoint))
            {
                errors.Add($"{at}.api: 'anthropic' needs an http(s) endpoint of the Messages API; the simulator ('sim:') speaks 'openai'");
            }

            if (CredentialReference.Problem(a.CredentialRef) is { } credential)
            {
                errors.Add($"{at}.credentialRef: {credential}");
            }
        }

        return errors;
    }

    /// <summary>
    /// A version that changes exactly when the pool does: a hash of the agents' canonical form, so reformatting
    /// the file (or a ConfigMap re-sync of the same content) is not a change.
    /// </summary>
    public static string Version(IReadOnlyList<AgentDefinition> agents)
    {
        ArgumentNullException.ThrowIfNull(agents);
        var canonical = new StringBuilder();
        foreach (var a in agents)
        {
            canonical.Append(JsonSerializer.Serialize(new[] { a.Name, a.Endpoint.OriginalString, a.Model, a.CredentialRef ?? "" }))
                .Append('|').Append(a.PriceInMicrosPerMTok).Append('|').Append(a.PriceOutMicrosPerMTok)
                .Append('|').Append(a.Tier).Append('|').Append(a.MaxOutputTokens).Append(a.ImageTokenBound is { } image ? $"|img{image}" : "")
                .Append(a.Tokenizer is { } tokenizer ? $"|tok{tokenizer}" : "")
                .Append(a.PriceCachedInMicrosPerMTok is { } cached ? $"|cached{cached}" : "")
                .Append(a.PriceCacheWriteMicrosPerMTok is { } write ? $"|write{write}" : "")
                .Append(a.Api == AgentApi.OpenAi ? "" : $"|api{ApiName(a.Api)}").Append('\n');
        }

        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))[..16];
    }

    private static string? EndpointProblem(Uri endpoint)
    {
        if (SimulatorEndpoint.IsSimulator(endpoint))
        {
            return endpoint.OriginalString == SimulatorEndpoint.Endpoint.OriginalString ? null : "the in-process simulator is exactly 'sim:'";
        }

        if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps) || endpoint.Host.Length == 0)
        {
            return $"'{endpoint.OriginalString}' is not an absolute http(s) URL (https://api.example.com/v1) or 'sim:'";
        }

        return endpoint.Query.Length > 0 || endpoint.Fragment.Length > 0 || endpoint.UserInfo.Length > 0
            ? $"'{endpoint.OriginalString}' must be a base URL without credentials, query or fragment (keys go in credentialRef)"
            : null;
    }

    private static AgentDefinition? ParseAgent(JsonElement entry, string at, List<string> errors)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"{at}: must be an object");
            return null;
        }

        var before = errors.Count;
        foreach (var property in entry.EnumerateObject())
        {
            if (!Fields.Contains(property.Name, StringComparer.Ordinal))
            {
                errors.Add($"{at}.{property.Name}: unknown field; the fields are {string.Join(", ", Fields)}");
            }
        }

        var name = String(entry, "name", at, errors, required: true);
        var endpointText = String(entry, "endpoint", at, errors, required: true);
        var model = String(entry, "model", at, errors, required: true);
        var priceIn = Integer(entry, "priceInMicrosPerMTok", at, errors);
        var priceOut = Integer(entry, "priceOutMicrosPerMTok", at, errors);
        var tier = Integer(entry, "tier", at, errors);
        var maxOutput = Integer(entry, "maxOutputTokens", at, errors);
        var credential = String(entry, "credentialRef", at, errors, required: false);
        var imageTokenBound = OptionalInteger(entry, "imageTokenBound", at, errors);
        var tokenizer = String(entry, "tokenizer", at, errors, required: false);
        if (tokenizer is not null && !PromptTokenizers.IsKnown(tokenizer))
        {
            errors.Add($"{at}.tokenizer: unknown tokenizer '{tokenizer}'; the known ones are {string.Join(", ", PromptTokenizers.Names)} (leave it out for the byte bound)");
        }

        var apiText = String(entry, "api", at, errors, required: false);
        var api = apiText is null ? AgentApi.OpenAi : ParseApi(apiText);
        if (api is null)
        {
            errors.Add($"{at}.api: unknown API '{apiText}'; use 'openai' (chat completions, the default) or 'anthropic' (the Messages API)");
        }

        var priceCached = OptionalInteger(entry, "priceCachedInMicrosPerMTok", at, errors);
        var priceCacheWrite = OptionalInteger(entry, "priceCacheWriteMicrosPerMTok", at, errors);
        if (imageTokenBound is < 1 or > 1_000_000)
        {
            errors.Add($"{at}.imageTokenBound: must be between 1 and 1000000 input tokens per image, got {imageTokenBound}");
        }
        Uri? endpoint = null;
        if (endpointText is not null && !Uri.TryCreate(endpointText, UriKind.Absolute, out endpoint))
        {
            errors.Add($"{at}.endpoint: '{endpointText}' is not an absolute http(s) URL (https://api.example.com/v1) or 'sim:'");
        }

        if (tier is > int.MaxValue or < int.MinValue)
        {
            errors.Add($"{at}.tier: out of range");
        }

        if (maxOutput is > int.MaxValue or < int.MinValue)
        {
            errors.Add($"{at}.maxOutputTokens: out of range");
        }

        return errors.Count > before
            ? null
            : new AgentDefinition(name!, endpoint!, model!, priceIn!.Value, priceOut!.Value, (int)tier!.Value, (int)maxOutput!.Value, credential)
            {
                ImageTokenBound = (int?)imageTokenBound,
                Tokenizer = tokenizer,
                PriceCachedInMicrosPerMTok = priceCached,
                PriceCacheWriteMicrosPerMTok = priceCacheWrite,
                Api = api!.Value,
            };
    }

    /// <summary>The pool file's name of an API (<c>openai</c>, <c>anthropic</c>).</summary>
    public static string ApiName(AgentApi api) => api == AgentApi.Anthropic ? "anthropic" : "openai";

    private static AgentApi? ParseApi(string text) => text switch
    {
        "openai" => AgentApi.OpenAi,
        "anthropic" => AgentApi.Anthropic,
        _ => null,
    };

    private static string? String(JsonElement entry, string field, string at, List<string> errors, bool required)
    {
        if (!entry.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                errors.Add($"{at}.{field}: required");
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add($"{at}.{field}: must be a string");
            return null;
        }

        return value.GetString();
    }

    private static long? OptionalInteger(JsonElement entry, string field, string at, List<string> errors) =>
        entry.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null ? Integer(entry, field, at, errors) : null;

    private static long? Integer(JsonElement entry, string field, string at, List<string> errors)
    {
        if (!entry.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            errors.Add($"{at}.{field}: required");
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number))
        {
            errors.Add($"{at}.{field}: must be an integer{(field.StartsWith("price", StringComparison.Ordinal) ? " (µ$ per million tokens; $0.40/M is 400000)" : "")}");
            return null;
        }

        return number;
    }
}
