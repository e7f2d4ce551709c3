using System.Text;
using System.Text.Json;

namespace Routing.Backends;

/// <summary>
/// Folds streamed <c>delta.tool_calls</c> pieces into whole tool calls, as OpenAI's streaming guide does: each piece
/// names its call by <c>index</c>; the first carries <c>id</c>, <c>type</c> and <c>function.name</c>, and every piece
/// appends to <c>function.arguments</c>. What a streamed step stores for its replay.
/// </summary>
public sealed class ToolCallAccumulator
{
    private readonly SortedDictionary<int, Call> _calls = [];

    public bool IsEmpty => _calls.Count == 0;

    public void Add(JsonElement deltas)
    {
        if (deltas.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var delta in deltas.EnumerateArray())
        {
            if (delta.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            var index = delta.TryGetProperty("index", out var i) && i.TryGetInt32(out var n) ? n : _calls.Count;
            if (!_calls.TryGetValue(index, out var call))
            {
                call = new Call();
                _calls[index] = call;
            }

            call.Id ??= String(delta, "id");
            call.Type ??= String(delta, "type");
            if (delta.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object)
            {
                call.Name ??= String(function, "name");
                call.Arguments.Append(String(function, "arguments"));
            }
        }
    }

    /// <summary>The calls as the OpenAI message's <c>tool_calls</c> array; null when there were none.</summary>
    public JsonElement? ToJson()
    {
        if (_calls.Count == 0)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var call in _calls.Values)
            {
                json.WriteStartObject();
                json.WriteString("id", call.Id ?? "");
                json.WriteString("type", call.Type ?? "function");
                json.WriteStartObject("function");
                json.WriteString("name", call.Name ?? "");
                json.WriteString("arguments", call.Arguments.ToString());
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        using var document = JsonDocument.Parse(buffer.ToArray());
        return document.RootElement.Clone();
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private sealed class Call
    {
        public string? Id { get; set; }

        public string? Type { get; set; }

        public string? Name { get; set; }

        public StringBuilder Arguments { get; } = new();
    }
}
