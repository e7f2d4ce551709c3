using System.Text.Json;
using System.Text.Json.Nodes;

namespace Routing.Executor.Http;

/// <summary>
/// Reading the fields of a <c>/v1/responses</c> or <c>/v1/messages</c> body while translating it: each problem is a
/// 400 naming the field as the client's API names it (the endpoint writes it in that API's error shape).
/// </summary>
internal static class TranslatedFields
{
    public static OpenAiRequestException Bad(string field, string message) => new(OpenAiErrorBody.BadParam(field, message));

    public static JsonObject ParseObject(ReadOnlyMemory<byte> body)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(body.Span, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new OpenAiRequestException(new OpenAiErrorBody(400, $"We could not parse the JSON body of your request: {e.Message}", "invalid_request_error", null, "invalid_json"));
        }
        return node as JsonObject
            ?? throw new OpenAiRequestException(new OpenAiErrorBody(400, "The request body must be a JSON object.", "invalid_request_error", null, "invalid_json"));
    }

    /// <summary>The field's value, or null when absent or JSON null.</summary>
    public static JsonNode? Get(JsonObject obj, string name) => obj.TryGetPropertyValue(name, out var value) ? value : null;

    public static string? String(JsonObject obj, string name, string field) => Get(obj, name) switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => throw Bad(field, $"Invalid type for '{field}': expected a string."),
    };

    public static string RequiredString(JsonObject obj, string name, string field) =>
        String(obj, name, field) ?? throw Bad(field, $"Missing required parameter: '{field}'.");

    public static bool Bool(JsonObject obj, string name, string field) => Get(obj, name) switch
    {
        null => false,
        JsonValue v when v.GetValueKind() == JsonValueKind.True => true,
        JsonValue v when v.GetValueKind() == JsonValueKind.False => false,
        _ => throw Bad(field, $"Invalid type for '{field}': expected a boolean."),
    };

    /// <summary>A positive whole number, or null when absent.</summary>
    public static int? PositiveInt(JsonObject obj, string name, string field)
    {
        var node = Get(obj, name);
        if (node is null)
        {
            return null;
        }
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number || !v.TryGetValue<int>(out var n))
        {
            throw Bad(field, $"Invalid type for '{field}': expected an integer.");
        }
        return n >= 1 ? n : throw Bad(field, $"Invalid '{field}': must be ≥ 1 (got {n}).");
    }

    public static JsonArray? Array(JsonObject obj, string name, string field) => Get(obj, name) switch
    {
        null => null,
        JsonArray a => a,
        _ => throw Bad(field, $"Invalid type for '{field}': expected an array."),
    };

    public static JsonObject Object(JsonNode? node, string field) =>
        node as JsonObject ?? throw Bad(field, $"Invalid type for '{field}': expected an object.");

    /// <summary>Copies a field unchanged when present (a deep copy: a node has one parent).</summary>
    public static void Copy(JsonObject from, string name, JsonObject to, string? as_ = null)
    {
        if (Get(from, name) is { } value)
        {
            to[as_ ?? name] = value.DeepClone();
        }
    }

    /// <summary>A chat-completions function tool call.</summary>
    public static JsonObject FunctionCall(string id, string name, string arguments) => new()
    {
        ["id"] = id,
        ["type"] = "function",
        ["function"] = new JsonObject { ["name"] = name, ["arguments"] = arguments },
    };

    /// <summary>A chat-completions function tool.</summary>
    public static JsonObject FunctionTool(string name, JsonNode? description, JsonNode? parameters, JsonNode? strict)
    {
        var function = new JsonObject { ["name"] = name };
        if (description is not null)
        {
            function["description"] = description.DeepClone();
        }
        function["parameters"] = parameters?.DeepClone() ?? new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() };
        if (strict is not null)
        {
            function["strict"] = strict.DeepClone();
        }
        return new JsonObject { ["type"] = "function", ["function"] = function };
    }

    /// <summary>Deterministic ids for a step's answer, so that a replay (same task, same step) answers the same ids.</summary>
    public static string StepId(string prefix, string tenant, string taskId, int stepIndex, string part = "")
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{tenant}\n{taskId}\n{stepIndex}\n{part}"));
        return prefix + Convert.ToHexStringLower(hash.AsSpan(0, 12));
    }
}
