using System.Text;
using System.Text.Json;
using Routing.Backends.OpenAi;

namespace Routing.Backends.Anthropic;

/// <summary>
/// Reads Anthropic Messages answers (docs.anthropic.com/en/api/messages, …/messages-streaming) as chat-shaped results:
/// text blocks joined into the content, <c>tool_use</c> blocks as OpenAI <c>tool_calls</c> (their <c>input</c> as the
/// arguments string), the stop reason as a finish reason (<see cref="AnthropicMapping.FinishReason"/>), and the usage with
/// cache reads and writes counted in the prompt (Anthropic's <c>input_tokens</c> excludes them) so each is priced apart.
/// Thinking blocks are not part of the chat answer. Anything malformed is a <see cref="BackendFailure.BadResponse"/>.
/// </summary>
public static class AnthropicResponseReader
{
    /// <summary>The <c>message</c> object of a non-streamed answer.</summary>
    public static ChatResult ReadMessage(ReadOnlySpan<byte> body, string requestedModel, string agent)
    {
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            using var document = JsonDocument.ParseValue(ref reader);
            var root = Object(document.RootElement, "the body", agent);
            ThrowIfError(root, agent);
            if (!root.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Array)
            {
                throw ChatResponseReader.Bad(agent, "'content' is missing or not an array");
            }

            var text = new StringBuilder();
            var calls = new ToolCallAccumulator();
            var ordinal = 0;
            foreach (var block in content.EnumerateArray())
            {
                switch (String(Object(block, "a content block", agent), "type"))
                {
                    case "text":
                        text.Append(String(block, "text"));
                        break;
                    case "tool_use":
                        calls.Add(ToolCallDelta(ordinal++, String(block, "id"), String(block, "name"),
                            block.TryGetProperty("input", out var input) ? input.GetRawText() : "{}"));
                        break;
                }
            }

            var stop = String(root, "stop_reason") ?? throw ChatResponseReader.Bad(agent, "'stop_reason' is missing");
            var usage = root.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object && new UsageParts().Read(u, agent) is { Complete: true } parts
                ? parts.ToUsage()
                : throw ChatResponseReader.Bad(agent, "the answer carries no 'usage' with input_tokens and output_tokens; unledgered tokens are not guessed");
            return new ChatResult(text.ToString(), AnthropicMapping.FinishReason(stop), usage, null, calls.ToJson(), String(root, "model") ?? requestedModel);
        }
        catch (JsonException e)
        {
            throw ChatResponseReader.Bad(agent, "the body is not valid JSON: " + e.Message, e);
        }
    }

    /// <summary>
    /// Folds one event's data into <paramref name="state"/>; returns the chunk to hand on (a text delta, or a tool
    /// call's start or <c>input_json_delta</c> as an OpenAI <c>delta.tool_calls</c> piece), or null when it carried none.
    /// </summary>
    public static ChatChunk? ReadStreamEvent(string data, AnthropicStreamState state, string agent)
    {
        ArgumentNullException.ThrowIfNull(state);
        try
        {
            using var document = JsonDocument.Parse(data, new JsonDocumentOptions { MaxDepth = 64 });
            var root = Object(document.RootElement, "a stream event", agent);
            switch (String(root, "type"))
            {
                case "message_start":
                    var message = Property(root, "message", agent);
                    state.Model ??= String(message, "model");
                    if (message.TryGetProperty("usage", out var startUsage) && startUsage.ValueKind == JsonValueKind.Object)
                    {
                        state.Usage.Read(startUsage, agent);
                    }

                    return null;
                case "content_block_start":
                    var block = Property(root, "content_block", agent);
                    var index = Index(root, agent);
                    switch (String(block, "type"))
                    {
                        case "tool_use":
                            var ordinal = state.ToolBlocks.Count;
                            state.ToolBlocks[index] = ordinal;
                            return Tool(ToolCallDelta(ordinal, String(block, "id"), String(block, "name"), ""));
                        case "text" when String(block, "text") is { Length: > 0 } initial:
                            return new ChatChunk(initial, null, null, null);
                        default:
                            return null;
                    }

                case "content_block_delta":
                    var delta = Property(root, "delta", agent);
                    return String(delta, "type") switch
                    {
                        "text_delta" => new ChatChunk(String(delta, "text") ?? "", null, null, null),
                        "input_json_delta" => state.ToolBlocks.TryGetValue(Index(root, agent), out var call)
                            ? Tool(ToolCallDelta(call, null, null, String(delta, "partial_json") ?? ""))
                            : throw ChatResponseReader.Bad(agent, "an 'input_json_delta' names no tool_use block that was started"),
                        _ => null,
                    };
                case "message_delta":
                    if (root.TryGetProperty("delta", out var messageDelta) && messageDelta.ValueKind == JsonValueKind.Object && String(messageDelta, "stop_reason") is { } stop)
                    {
                        state.StopReason = stop;
                    }

                    if (root.TryGetProperty("usage", out var deltaUsage) && deltaUsage.ValueKind == JsonValueKind.Object)
                    {
                        // The counts here are cumulative: they replace those of message_start, not add to them.
                        state.Usage.Read(deltaUsage, agent);
                    }

                    return null;
                case "message_stop":
                    state.Stopped = true;
                    return null;
                case "error":
                    // An error after the stream started (an overload mid-generation): the tokens so far may be billed.
                    var error = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object ? e : root;
                    throw new BackendException(BackendFailure.Unavailable,
                        $"Agent '{agent}' failed mid-stream ({String(error, "type") ?? "error"}): {String(error, "message") ?? "(no message)"}", mayHaveBeenBilled: true);
                default:
                    // ping, content_block_stop, and event types added later (Anthropic's versioning policy allows them).
                    return null;
            }
        }
        catch (JsonException e)
        {
            throw ChatResponseReader.Bad(agent, "a stream event is not valid JSON: " + e.Message, e);
        }
    }

    /// <summary>The last chunk of a stream that reached <c>message_stop</c>: finish reason and usage, both required.</summary>
    public static ChatChunk FinishStream(AnthropicStreamState state, string agent)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!state.Usage.Complete)
        {
            throw ChatResponseReader.Bad(agent, "the stream carried no 'usage' with input_tokens and output_tokens; unledgered tokens are not guessed");
        }

        var stop = state.StopReason ?? throw ChatResponseReader.Bad(agent, "the stream ended without a 'stop_reason'");
        return new ChatChunk("", null, AnthropicMapping.FinishReason(stop), state.Usage.ToUsage());
    }

    /// <summary>One OpenAI <c>delta.tool_calls</c> piece: the first of a call carries id, type and name; every one appends arguments.</summary>
    private static JsonElement ToolCallDelta(int index, string? id, string? name, string arguments)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            json.WriteStartObject();
            json.WriteNumber("index", index);
            if (id is not null)
            {
                json.WriteString("id", id);
                json.WriteString("type", "function");
            }

            json.WriteStartObject("function");
            if (name is not null)
            {
                json.WriteString("name", name);
            }

            json.WriteString("arguments", arguments);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndArray();
        }

        using var document = JsonDocument.Parse(buffer.ToArray());
        return document.RootElement.Clone();
    }

    private static ChatChunk Tool(JsonElement deltas) => new("", null, null, null) { ToolCallDeltas = deltas };

    private static void ThrowIfError(JsonElement root, string agent)
    {
        if (String(root, "type") == "error")
        {
            var error = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object ? e : root;
            throw ChatResponseReader.Bad(agent, "the backend answered an error in place of a message: " + (String(error, "message") ?? error.GetRawText()));
        }
    }

    private static int Index(JsonElement root, string agent) =>
        root.TryGetProperty("index", out var index) && index.ValueKind == JsonValueKind.Number && index.TryGetInt32(out var value) && value >= 0
            ? value
            : throw ChatResponseReader.Bad(agent, "a content block event has no non-negative 'index'");

    private static JsonElement Property(JsonElement obj, string name, string agent) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object
            ? value
            : throw ChatResponseReader.Bad(agent, $"'{name}' is missing or not an object");

    private static JsonElement Object(JsonElement element, string what, string agent) =>
        element.ValueKind == JsonValueKind.Object ? element : throw ChatResponseReader.Bad(agent, $"{what} is not a JSON object");

    private static string? String(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>What a streamed Anthropic answer has said so far beyond its deltas.</summary>
public sealed class AnthropicStreamState
{
    public string? Model { get; set; }

    public string? StopReason { get; set; }

    /// <summary>True once <c>message_stop</c> came: the answer is whole.</summary>
    public bool Stopped { get; set; }

    internal UsageParts Usage { get; } = new();

    /// <summary>Content-block index of each <c>tool_use</c> block → its position among the tool calls (the chat delta's <c>index</c>).</summary>
    internal Dictionary<int, int> ToolBlocks { get; } = [];
}

/// <summary>Anthropic's usage fields as reported so far; a later report's fields replace earlier ones (they are cumulative).</summary>
internal sealed class UsageParts
{
    private long? _input;
    private long _cacheWrite;
    private long _cacheRead;
    private long? _output;

    /// <summary>Both required counts were reported.</summary>
    public bool Complete => _input is not null && _output is not null;

    public UsageParts Read(JsonElement usage, string agent)
    {
        _input = Count(usage, "input_tokens", agent) ?? _input;
        _cacheWrite = Count(usage, "cache_creation_input_tokens", agent) ?? _cacheWrite;
        _cacheRead = Count(usage, "cache_read_input_tokens", agent) ?? _cacheRead;
        _output = Count(usage, "output_tokens", agent) ?? _output;
        return this;
    }

    /// <summary>Every input token in the prompt (plain, cache-written, cache-read), with the cached parts named so each is priced apart.</summary>
    public ChatUsage ToUsage() => new(Clamp((_input ?? 0) + _cacheWrite + _cacheRead), Clamp(_output ?? 0))
    {
        CachedPromptTokens = Clamp(_cacheRead),
        CacheWritePromptTokens = Clamp(_cacheWrite),
    };

    private static int Clamp(long tokens) => (int)Math.Min(int.MaxValue, tokens);

    private static long? Count(JsonElement usage, string name, string agent)
    {
        if (!usage.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var count) && count >= 0
            ? count
            : throw ChatResponseReader.Bad(agent, $"'usage.{name}' is not a non-negative integer");
    }
}
