using System.Text;
using System.Text.Json;

namespace Routing.Backends.OpenAi;

/// <summary>
/// Reads OpenAI chat-completion answers. Anything that is not a well-formed completion with usage is a
/// <see cref="BackendFailure.BadResponse"/>: the backend did answer, so the call may have been billed.
/// </summary>
public static class ChatResponseReader
{
    /// <summary>The <c>chat.completion</c> object of a non-streaming answer.</summary>
    public static ChatResult ReadCompletion(ReadOnlySpan<byte> body, string requestedModel, string agent)
    {
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            using var document = JsonDocument.ParseValue(ref reader);
            var root = Object(document.RootElement, "the body", agent);
            ThrowIfError(root, agent);
            var choices = Property(root, "choices", JsonValueKind.Array, agent);
            if (choices.GetArrayLength() == 0)
            {
                throw Bad(agent, "'choices' is empty");
            }

            var choice = Object(choices[0], "choices[0]", agent);
            var message = Property(choice, "message", JsonValueKind.Object, agent, "choices[0].message");
            var content = OptionalString(message, "content", agent, "choices[0].message.content") ?? "";
            var finish = OptionalString(choice, "finish_reason", agent, "choices[0].finish_reason")
                ?? throw Bad(agent, "'choices[0].finish_reason' is missing");
            return new ChatResult(
                content,
                finish,
                Usage(root, agent) ?? throw Bad(agent, "the answer carries no 'usage'; unledgered tokens are not guessed"),
                Logprobs(choice, agent),
                RawArray(message, "tool_calls", agent, "choices[0].message.tool_calls"),
                OptionalString(root, "model", agent, "model") ?? requestedModel);
        }
        catch (JsonException e)
        {
            throw Bad(agent, "the body is not valid JSON: " + e.Message, e);
        }
    }

    /// <summary>The error message of an error answer (<c>{"error":{"message":…}}</c>), else the body's start.</summary>
    public static string ErrorMessage(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error))
            {
                if (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
                {
                    return message.GetString()!;
                }

                if (error.ValueKind == JsonValueKind.String)
                {
                    return error.GetString()!;
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's HTML page, plain text): quote its start instead.
        }

        var text = Encoding.UTF8.GetString(body[..Math.Min(body.Length, 300)]).Trim();
        return text.Length == 0 ? "(empty body)" : text;
    }

    /// <summary>
    /// Folds one SSE <c>data:</c> payload of a streamed answer into <paramref name="state"/>; returns the chunk to
    /// hand on (content, log-probs or tool-call deltas), or null when the event carried none.
    /// </summary>
    public static ChatChunk? ReadStreamEvent(string data, StreamState state, string agent)
    {
        ArgumentNullException.ThrowIfNull(state);
        try
        {
            using var document = JsonDocument.Parse(data, new JsonDocumentOptions { MaxDepth = 64 });
            var root = Object(document.RootElement, "a stream chunk", agent);
            ThrowIfError(root, agent);
            if (Usage(root, agent) is { } usage)
            {
                state.Usage = usage;
            }

            state.Model ??= OptionalString(root, "model", agent, "model");
            if (!root.TryGetProperty("choices", out var choices) || choices.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (choices.ValueKind != JsonValueKind.Array)
            {
                throw Bad(agent, "'choices' of a stream chunk is not an array");
            }

            if (choices.GetArrayLength() == 0)
            {
                return null;
            }

            var choice = Object(choices[0], "choices[0]", agent);
            if (OptionalString(choice, "finish_reason", agent, "choices[0].finish_reason") is { } finish)
            {
                state.FinishReason = finish;
            }

            var content = "";
            JsonElement? toolCalls = null;
            if (choice.TryGetProperty("delta", out var delta) && delta.ValueKind != JsonValueKind.Null)
            {
                Object(delta, "choices[0].delta", agent);
                content = OptionalString(delta, "content", agent, "choices[0].delta.content") ?? "";
                toolCalls = RawArray(delta, "tool_calls", agent, "choices[0].delta.tool_calls");
            }

            var logprobs = Logprobs(choice, agent);
            return content.Length == 0 && toolCalls is null && logprobs is null
                ? null
                : new ChatChunk(content, logprobs, null, null) { ToolCallDeltas = toolCalls };
        }
        catch (JsonException e)
        {
            throw Bad(agent, "a stream chunk is not valid JSON: " + e.Message, e);
        }
    }

    /// <summary>The last chunk of a stream that ended with <c>[DONE]</c>: finish reason and usage, both required.</summary>
    public static ChatChunk FinishStream(StreamState state, string agent)
    {
        ArgumentNullException.ThrowIfNull(state);
        var usage = state.Usage ?? throw Bad(agent, "the stream ended without 'usage' (stream_options.include_usage ignored?); unledgered tokens are not guessed");
        var finish = state.FinishReason ?? throw Bad(agent, "the stream ended without a 'finish_reason'");
        return new ChatChunk("", null, finish, usage);
    }

    private static void ThrowIfError(JsonElement root, string agent)
    {
        if (root.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null)
        {
            var message = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String
                ? m.GetString()
                : error.ToString();
            throw Bad(agent, "the backend answered an error in place of a completion: " + message);
        }
    }

    private static ChatUsage? Usage(JsonElement root, string agent)
    {
        if (!root.TryGetProperty("usage", out var usage) || usage.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        Object(usage, "usage", agent);
        var prompt = TokenCount(usage, "prompt_tokens", agent);
        var completion = TokenCount(usage, "completion_tokens", agent);
        // Cached input and reasoning are breakdowns OpenAI reports since 2024 (platform.openai.com/docs/api-reference/chat/object#usage);
        // servers that omit them bill neither.
        var cached = Math.Min(prompt, DetailCount(usage, "prompt_tokens_details", "cached_tokens", agent));
        var reasoning = DetailCount(usage, "completion_tokens_details", "reasoning_tokens", agent);
        // OpenAI counts reasoning inside completion_tokens; a server whose total_tokens adds it on top counts it apart.
        var outside = reasoning > 0 && usage.TryGetProperty("total_tokens", out var total) && total.ValueKind == JsonValueKind.Number
            && total.TryGetInt64(out var totalTokens) && totalTokens >= (long)prompt + completion + reasoning;
        return new ChatUsage(prompt, completion) { CachedPromptTokens = cached, ReasoningTokens = reasoning, ReasoningOutsideCompletion = outside };
    }

    private static int DetailCount(JsonElement usage, string details, string name, string agent)
    {
        if (!usage.TryGetProperty(details, out var breakdown) || breakdown.ValueKind == JsonValueKind.Null)
        {
            return 0;
        }

        Object(breakdown, "usage." + details, agent);
        if (!breakdown.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return 0;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var count) && count >= 0
            ? count
            : throw Bad(agent, $"'usage.{details}.{name}' is not a non-negative integer");
    }

    private static int TokenCount(JsonElement usage, string name, string agent) =>
        usage.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var count) && count >= 0
            ? count
            : throw Bad(agent, $"'usage.{name}' is missing or not a non-negative integer");

    private static List<TokenLogprob>? Logprobs(JsonElement choice, string agent)
    {
        if (!choice.TryGetProperty("logprobs", out var logprobs) || logprobs.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        Object(logprobs, "choices[0].logprobs", agent);
        if (!logprobs.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            throw Bad(agent, "'choices[0].logprobs.content' is not an array");
        }

        var result = new List<TokenLogprob>(content.GetArrayLength());
        foreach (var entry in content.EnumerateArray())
        {
            var top = new List<TopLogprob>();
            if (entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("top_logprobs", out var alternatives) && alternatives.ValueKind != JsonValueKind.Null)
            {
                if (alternatives.ValueKind != JsonValueKind.Array)
                {
                    throw Bad(agent, "'top_logprobs' is not an array");
                }

                foreach (var alternative in alternatives.EnumerateArray())
                {
                    var (token, logprob) = Token(alternative, agent);
                    top.Add(new TopLogprob(token, logprob));
                }
            }

            var (text, value) = Token(entry, agent);
            result.Add(new TokenLogprob(text, value, top));
        }

        return result;
    }

    private static (string Token, double Logprob) Token(JsonElement entry, string agent)
    {
        Object(entry, "a logprobs entry", agent);
        var token = entry.TryGetProperty("token", out var t) && t.ValueKind == JsonValueKind.String
            ? t.GetString()!
            : throw Bad(agent, "a logprobs entry has no string 'token'");
        var logprob = entry.TryGetProperty("logprob", out var l) && l.ValueKind == JsonValueKind.Number
            ? l.GetDouble()
            : throw Bad(agent, "a logprobs entry has no numeric 'logprob'");
        return (token, logprob);
    }

    private static JsonElement? RawArray(JsonElement obj, string name, string agent, string path)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Array ? value.Clone() : throw Bad(agent, $"'{path}' is not an array");
    }

    private static JsonElement Object(JsonElement element, string what, string agent) =>
        element.ValueKind == JsonValueKind.Object ? element : throw Bad(agent, $"{what} is not a JSON object");

    private static JsonElement Property(JsonElement obj, string name, JsonValueKind kind, string agent, string? path = null) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == kind
            ? value
            : throw Bad(agent, $"'{path ?? name}' is missing or not {(kind == JsonValueKind.Array ? "an array" : "an object")}");

    private static string? OptionalString(JsonElement obj, string name, string agent, string path)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Bad(agent, $"'{path}' is not a string");
    }

    internal static BackendException Bad(string agent, string reason, Exception? inner = null) =>
        new(BackendFailure.BadResponse, $"Agent '{agent}' answered something that is not a valid completion: {reason}.", mayHaveBeenBilled: true, inner);
}

/// <summary>What a streamed answer has said so far beyond its content: finish reason, usage, model.</summary>
public sealed class StreamState
{
    public string? FinishReason { get; set; }

    public ChatUsage? Usage { get; set; }

    public string? Model { get; set; }
}
