using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Routing.Simulation.Server;

/// <summary>One function call a simulated agent makes, in the chat-completions API's terms.</summary>
public sealed record SimulatedToolCall(string Id, string Name, string Arguments)
{
    /// <summary>The call as a chat-completions <c>tool_calls</c> array; with <paramref name="streamed"/> each call carries its <c>index</c>, as a stream delta does.</summary>
    public string ToolCallsJson(bool streamed = false)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            json.WriteStartObject();
            if (streamed)
            {
                json.WriteNumber("index", 0);
            }
            json.WriteString("id", Id);
            json.WriteString("type", "function");
            json.WriteStartObject("function");
            json.WriteString("name", Name);
            json.WriteString("arguments", Arguments);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}

/// <summary>
/// How a simulated agent answers a request that offers tools, so that a framework's tool loop runs against the
/// simulator: on the user's turn it calls a tool (the first offered, or the one <c>tool_choice</c> names), with
/// arguments that satisfy the tool's JSON schema as far as simple types go (every required property, enums, numeric
/// minimums); once a tool result is back it answers in text. <c>tool_choice</c> <c>none</c> always answers in text,
/// <c>required</c> or a named function always calls. The episode still moves one step per call (its cost and usage
/// are the step's): the tool use is the shape of the answer, not a change to the simulated task.
/// </summary>
public static class SimulatedToolUse
{
    /// <summary>The call to make, or null to answer in text.</summary>
    /// <param name="tools">The request's <c>tools</c> array, if any.</param>
    /// <param name="toolChoice">The request's <c>tool_choice</c>, if any.</param>
    /// <param name="lastRole">The role of the conversation's last message.</param>
    /// <remarks>The call's <see cref="SimulatedToolCall.Id"/> is empty: <see cref="WithId"/> names it after the step, so a bad request is refused before the episode moves.</remarks>
    public static SimulatedToolCall? Decide(JsonElement? tools, JsonElement? toolChoice, string? lastRole)
    {
        var offered = tools is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray().Where(IsFunction).ToList() : [];
        var choice = toolChoice is { ValueKind: JsonValueKind.String } mode ? mode.GetString() : null;
        var forced = toolChoice is { ValueKind: JsonValueKind.Object } named ? ForcedName(named) : null;
        if (offered.Count == 0)
        {
            return forced is not null || choice == "required"
                ? throw OpenAiError.BadParam("tool_choice", "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.")
                : null;
        }
        if (choice == "none" || (forced is null && choice != "required" && lastRole != "user"))
        {
            return null;
        }
        var tool = forced is null ? offered[0] : offered.FirstOrDefault(t => Name(t) == forced);
        if (tool.ValueKind == JsonValueKind.Undefined)
        {
            throw OpenAiError.BadParam("tool_choice", $"Invalid value for 'tool_choice': no function named '{forced}' is in 'tools'.");
        }
        var function = tool.GetProperty("function");
        var arguments = function.TryGetProperty("parameters", out var parameters) ? Arguments(parameters) : "{}";
        return new SimulatedToolCall("", Name(tool), arguments);
    }

    /// <summary>The call with an id derived from the task and step, deterministic as the rest of the simulator is.</summary>
    public static SimulatedToolCall WithId(SimulatedToolCall call, SimTaskId id, int step)
    {
        ArgumentNullException.ThrowIfNull(call);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{id}:{step}:{call.Name}")));
        return call with { Id = "call_" + Convert.ToHexStringLower(hash.AsSpan(0, 12)) };
    }

    /// <summary>A JSON object satisfying <paramref name="schema"/>'s simple constraints.</summary>
    public static string Arguments(JsonElement schema)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            WriteValue(json, schema, "value", 0);
        }
        var text = Encoding.UTF8.GetString(buffer.ToArray());
        return text.StartsWith('{') ? text : "{}";
    }

    private static void WriteValue(Utf8JsonWriter json, JsonElement schema, string name, int depth)
    {
        if (schema.ValueKind != JsonValueKind.Object || depth > 8)
        {
            json.WriteStringValue(name);
            return;
        }
        if (schema.TryGetProperty("const", out var constant))
        {
            constant.WriteTo(json);
            return;
        }
        if (schema.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array && values.GetArrayLength() > 0)
        {
            values[0].WriteTo(json);
            return;
        }
        foreach (var alternatives in new[] { "anyOf", "oneOf" })
        {
            if (schema.TryGetProperty(alternatives, out var options) && options.ValueKind == JsonValueKind.Array && options.GetArrayLength() > 0)
            {
                WriteValue(json, options.EnumerateArray().FirstOrDefault(o => TypeOf(o) != "null", options[0]), name, depth + 1);
                return;
            }
        }
        switch (TypeOf(schema))
        {
            case "object":
                json.WriteStartObject();
                if (schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
                {
                    var required = schema.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.Array
                        ? r.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToHashSet()
                        : null;
                    foreach (var property in properties.EnumerateObject())
                    {
                        // Without a required list every property is written: an agent fills in what it is offered.
                        if (required is null || required.Contains(property.Name))
                        {
                            json.WritePropertyName(property.Name);
                            WriteValue(json, property.Value, property.Name, depth + 1);
                        }
                    }
                }
                json.WriteEndObject();
                return;
            case "array":
                json.WriteStartArray();
                var minItems = schema.TryGetProperty("minItems", out var min) && min.TryGetInt32(out var m) ? Math.Clamp(m, 1, 4) : 1;
                for (var i = 0; i < minItems && schema.TryGetProperty("items", out var items); i++)
                {
                    WriteValue(json, items, name, depth + 1);
                }
                json.WriteEndArray();
                return;
            case "integer":
                json.WriteNumberValue(Bound(schema, 1));
                return;
            case "number":
                json.WriteNumberValue(Bound(schema, 1));
                return;
            case "boolean":
                json.WriteBooleanValue(true);
                return;
            case "null":
                json.WriteNullValue();
                return;
            default:
                json.WriteStringValue(Text(schema, name));
                return;
        }
    }

    /// <summary>The schema's type; of a type list, the first that is not null.</summary>
    private static string? TypeOf(JsonElement schema)
    {
        if (!schema.TryGetProperty("type", out var type))
        {
            return schema.TryGetProperty("properties", out _) ? "object" : null;
        }
        return type.ValueKind switch
        {
            JsonValueKind.String => type.GetString(),
            JsonValueKind.Array => type.EnumerateArray().Select(t => t.GetString()).FirstOrDefault(t => t != "null") ?? "null",
            _ => null,
        };
    }

    private static long Bound(JsonElement schema, long fallback)
    {
        if (schema.TryGetProperty("minimum", out var min) && min.TryGetDouble(out var minimum))
        {
            return (long)Math.Ceiling(minimum);
        }
        if (schema.TryGetProperty("exclusiveMinimum", out var exclusive) && exclusive.TryGetDouble(out var above))
        {
            return (long)Math.Floor(above) + 1;
        }
        if (schema.TryGetProperty("maximum", out var max) && max.TryGetDouble(out var maximum) && maximum < fallback)
        {
            return (long)Math.Floor(maximum);
        }
        return fallback;
    }

    private static string Text(JsonElement schema, string name)
    {
        var text = schema.TryGetProperty("format", out var format) && format.ValueKind == JsonValueKind.String
            ? format.GetString() switch
            {
                "date" => "2026-01-01",
                "date-time" => "2026-01-01T00:00:00Z",
                "email" => "user@example.com",
                "uri" or "url" => "https://example.com/",
                "uuid" => "00000000-0000-4000-8000-000000000000",
                _ => name,
            }
            : name;
        var minLength = schema.TryGetProperty("minLength", out var min) && min.TryGetInt32(out var m) ? m : 0;
        return text.Length >= minLength ? text : text.PadRight(minLength, 'x');
    }

    private static bool IsFunction(JsonElement tool) =>
        tool.ValueKind == JsonValueKind.Object && tool.TryGetProperty("function", out var f) && f.ValueKind == JsonValueKind.Object
        && f.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String;

    private static string Name(JsonElement tool) => tool.GetProperty("function").GetProperty("name").GetString()!;

    private static string? ForcedName(JsonElement choice) =>
        choice.TryGetProperty("function", out var f) && f.ValueKind == JsonValueKind.Object && f.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String
            ? n.GetString()
            : throw OpenAiError.BadParam("tool_choice", "Invalid value for 'tool_choice': expected 'none', 'auto', 'required' or {\"type\":\"function\",\"function\":{\"name\":…}}.");
}
