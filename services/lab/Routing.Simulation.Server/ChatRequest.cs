using System.Text.Json;
using Routing.Contracts.Wire;

namespace Routing.Simulation.Server;

/// <summary>
/// The parts of an OpenAI chat-completions request the simulator uses, validated: every problem becomes an
/// <see cref="OpenAiError"/> 400 naming its parameter. The conversation itself is checked for shape but not
/// read: the simulated episode, not the prompt, decides the answer.
/// </summary>
public sealed record ChatRequest
{
    /// <summary>Largest <c>top_logprobs</c> accepted (as OpenAI).</summary>
    public const int MaxTopLogprobs = 20;

    private static readonly HashSet<string> Roles = ["system", "developer", "user", "assistant", "tool", "function"];

    public required string Model { get; init; }

    public required SimTaskId TaskId { get; init; }

    public bool Stream { get; init; }

    /// <summary><c>stream_options.include_usage</c>: a last chunk with the usage and no choices.</summary>
    public bool IncludeUsageInStream { get; init; }

    public bool Logprobs { get; init; }

    public int TopLogprobs { get; init; }

    /// <summary><c>max_tokens</c> or <c>max_completion_tokens</c>, if given.</summary>
    public long? MaxTokens { get; init; }

    /// <summary>Metadata key that marks a SALE auction call; values <see cref="SaleCallKinds"/>.</summary>
    public const string SaleCallMetadata = "routing_sale";

    /// <summary>The SALE call kinds the simulator answers instead of taking an episode step.</summary>
    public static IReadOnlyList<string> SaleCallKinds { get; } = ["bid", "jury", "refine"];

    /// <summary>bid, jury or refine when <c>metadata.routing_sale</c> marks an auction call; null for an episode step.</summary>
    public string? SaleCall { get; init; }

    /// <summary>The tool call the simulated agent answers with (<see cref="SimulatedToolUse"/>; its id is set per step), or null for text.</summary>
    public SimulatedToolCall? ToolCall { get; init; }

    /// <summary>The text of every message, in order (read only for SALE calls, whose answer depends on the prompt).</summary>
    public string PromptText { get; init; } = "";

    private static SimulatedToolCall? ToolCallOf(JsonElement root)
    {
        JsonElement? tools = root.TryGetProperty("tools", out var t) && t.ValueKind == JsonValueKind.Array ? t : null;
        JsonElement? choice = root.TryGetProperty("tool_choice", out var c) && c.ValueKind is JsonValueKind.String or JsonValueKind.Object ? c : null;
        var messages = root.GetProperty("messages");
        var lastRole = messages.GetArrayLength() > 0 && messages[messages.GetArrayLength() - 1].TryGetProperty("role", out var r) ? r.GetString() : null;
        return SimulatedToolUse.Decide(tools, choice, lastRole);
    }

    /// <summary>Parses and validates a request body; <paramref name="headerTaskId"/> is the <see cref="RoutingHeaders.TaskId"/> value (alternative to <c>metadata.task_id</c>), if any.</summary>
    public static ChatRequest Parse(ReadOnlyMemory<byte> body, string? headerTaskId)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new OpenAiError(
                400,
                $"We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload.) {e.Message}",
                OpenAiError.InvalidRequest,
                null,
                "invalid_json");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new OpenAiError(400, $"The request body must be a JSON object, not {Describe(root.ValueKind)}.", OpenAiError.InvalidRequest, null, "invalid_json");
            }

            var model = RequiredString(root, "model");
            CheckMessages(root);
            var stream = OptionalBool(root, "stream");
            var includeUsage = false;
            if (Present(root, "stream_options", out var streamOptions))
            {
                if (streamOptions.ValueKind != JsonValueKind.Object)
                {
                    throw OpenAiError.BadParam("stream_options", $"Invalid type for 'stream_options': expected an object, but got {Describe(streamOptions.ValueKind)} instead.", "invalid_type");
                }

                if (!stream)
                {
                    throw OpenAiError.BadParam("stream_options", "The 'stream_options' parameter is only allowed when 'stream' is enabled.");
                }

                includeUsage = OptionalBool(streamOptions, "include_usage", "stream_options.include_usage");
            }

            var logprobs = OptionalBool(root, "logprobs");
            var topLogprobs = 0;
            if (Present(root, "top_logprobs", out var top))
            {
                if (top.ValueKind != JsonValueKind.Number || !top.TryGetInt32(out topLogprobs))
                {
                    throw OpenAiError.BadParam("top_logprobs", $"Invalid type for 'top_logprobs': expected an integer, but got {Describe(top.ValueKind)} instead.", "invalid_type");
                }

                if (topLogprobs is < 0 or > MaxTopLogprobs)
                {
                    throw OpenAiError.BadParam("top_logprobs", $"Invalid 'top_logprobs': integer {topLogprobs} is outside [0, {MaxTopLogprobs}].", "integer_out_of_range");
                }

                if (!logprobs)
                {
                    throw OpenAiError.BadParam("top_logprobs", "'top_logprobs' requires 'logprobs' to be true.");
                }
            }

            if (Present(root, "n", out var n) && (n.ValueKind != JsonValueKind.Number || !n.TryGetInt32(out var count) || count != 1))
            {
                throw OpenAiError.BadParam("n", "The simulator returns exactly one choice: 'n' must be 1.", "unsupported_value");
            }

            PositiveInteger(root, "max_tokens");
            PositiveInteger(root, "max_completion_tokens");
            var saleCall = SaleCallOf(root);
            if (saleCall is not null && stream)
            {
                throw OpenAiError.BadParam("stream", "SALE auction calls (metadata.routing_sale) are answered whole: 'stream' must be false.", "unsupported_value");
            }
            NumberInRange(root, "temperature", 0, 2);
            NumberInRange(root, "top_p", 0, 1);

            return new ChatRequest
            {
                Model = model,
                TaskId = TaskIdOf(root, headerTaskId),
                Stream = stream,
                IncludeUsageInStream = includeUsage,
                Logprobs = logprobs,
                TopLogprobs = topLogprobs,
                MaxTokens = MaxTokensOf(root),
                SaleCall = saleCall,
                ToolCall = saleCall is null ? ToolCallOf(root) : null,
                PromptText = saleCall is null ? "" : PromptTextOf(root),
            };
        }
    }

    private static SimTaskId TaskIdOf(JsonElement root, string? headerTaskId)
    {
        string? fromMetadata = null;
        if (Present(root, "metadata", out var metadata))
        {
            if (metadata.ValueKind != JsonValueKind.Object)
            {
                throw OpenAiError.BadParam("metadata", $"Invalid type for 'metadata': expected an object of strings, but got {Describe(metadata.ValueKind)} instead.", "invalid_type");
            }

            if (Present(metadata, "task_id", out var value))
            {
                fromMetadata = value.ValueKind == JsonValueKind.String
                    ? value.GetString()
                    : throw OpenAiError.BadParam("metadata.task_id", $"Invalid type for 'metadata.task_id': expected a string, but got {Describe(value.ValueKind)} instead.", "invalid_type");
            }
        }

        if (headerTaskId is not null && fromMetadata is not null && headerTaskId != fromMetadata)
        {
            throw OpenAiError.BadParam("metadata.task_id", $"The {RoutingHeaders.TaskId} header ('{headerTaskId}') and 'metadata.task_id' ('{fromMetadata}') name different tasks.", "task_id_conflict");
        }

        var text = headerTaskId ?? fromMetadata
            ?? throw new OpenAiError(400, $"Missing required parameter: 'metadata.task_id' (or the {RoutingHeaders.TaskId} header): the simulator needs to know which task's episode to advance.", OpenAiError.InvalidRequest, "metadata.task_id", "missing_required_parameter");
        return SimTaskId.TryParse(text, out var id, out var reason)
            ? id
            : throw OpenAiError.BadParam("metadata.task_id", $"Invalid task id '{Truncate(text)}': {reason}.", "invalid_task_id");
    }

    private static string? SaleCallOf(JsonElement root)
    {
        if (!Present(root, "metadata", out var metadata) || metadata.ValueKind != JsonValueKind.Object || !Present(metadata, SaleCallMetadata, out var value))
        {
            return null;
        }

        var kind = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        return kind is not null && SaleCallKinds.Contains(kind)
            ? kind
            : throw OpenAiError.BadParam("metadata." + SaleCallMetadata, $"Invalid 'metadata.{SaleCallMetadata}': expected one of 'bid', 'jury', 'refine'.");
    }

    private static long? MaxTokensOf(JsonElement root) =>
        Present(root, "max_completion_tokens", out var v) ? v.GetInt64() : Present(root, "max_tokens", out var w) ? w.GetInt64() : null;

    /// <summary>Every message's text (string content, or the text parts of an array), joined by blank lines.</summary>
    private static string PromptTextOf(JsonElement root)
    {
        var text = new System.Text.StringBuilder();
        foreach (var message in root.GetProperty("messages").EnumerateArray())
        {
            if (!message.TryGetProperty("content", out var content))
            {
                continue;
            }

            if (content.ValueKind == JsonValueKind.String)
            {
                text.Append(content.GetString()).Append("\n\n");
            }
            else if (content.ValueKind == JsonValueKind.Array)
            {
                foreach (var part in content.EnumerateArray())
                {
                    if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
                    {
                        text.Append(t.GetString()).Append("\n\n");
                    }
                }
            }
        }

        return text.ToString();
    }

    private static void CheckMessages(JsonElement root)
    {
        if (!Present(root, "messages", out var messages))
        {
            throw OpenAiError.Missing("messages");
        }

        if (messages.ValueKind != JsonValueKind.Array)
        {
            throw OpenAiError.BadParam("messages", $"Invalid type for 'messages': expected an array, but got {Describe(messages.ValueKind)} instead.", "invalid_type");
        }

        if (messages.GetArrayLength() == 0)
        {
            throw OpenAiError.BadParam("messages", "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", "empty_array");
        }

        var i = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var param = $"messages[{i}]";
            if (message.ValueKind != JsonValueKind.Object)
            {
                throw OpenAiError.BadParam(param, $"Invalid type for '{param}': expected an object, but got {Describe(message.ValueKind)} instead.", "invalid_type");
            }

            var role = RequiredString(message, "role", $"{param}.role");
            if (!Roles.Contains(role))
            {
                throw OpenAiError.BadParam($"{param}.role", $"Invalid value: '{Truncate(role)}'. Supported values are: 'system', 'developer', 'user', 'assistant', 'tool' and 'function'.");
            }

            var hasContent = Present(message, "content", out var content);
            if (hasContent && content.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
            {
                throw OpenAiError.BadParam($"{param}.content", $"Invalid type for '{param}.content': expected a string or an array of content parts, but got {Describe(content.ValueKind)} instead.", "invalid_type");
            }

            // Only an assistant message that calls tools may omit its content.
            if (!hasContent && !(role == "assistant" && (message.TryGetProperty("tool_calls", out _) || message.TryGetProperty("function_call", out _))))
            {
                throw OpenAiError.Missing($"{param}.content");
            }

            i++;
        }
    }

    /// <summary>True when the property exists and is not JSON null.</summary>
    private static bool Present(JsonElement obj, string name, out JsonElement value) =>
        obj.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    private static string RequiredString(JsonElement obj, string name, string? param = null)
    {
        param ??= name;
        if (!Present(obj, name, out var value))
        {
            throw OpenAiError.Missing(param);
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw OpenAiError.BadParam(param, $"Invalid type for '{param}': expected a string, but got {Describe(value.ValueKind)} instead.", "invalid_type");
        }

        var text = value.GetString()!;
        return text.Length > 0 ? text : throw OpenAiError.BadParam(param, $"Invalid '{param}': empty string.", "empty_string");
    }

    private static bool OptionalBool(JsonElement obj, string name, string? param = null)
    {
        if (!Present(obj, name, out var value))
        {
            return false;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw OpenAiError.BadParam(param ?? name, $"Invalid type for '{param ?? name}': expected a boolean, but got {Describe(value.ValueKind)} instead.", "invalid_type"),
        };
    }

    private static void PositiveInteger(JsonElement obj, string name)
    {
        if (Present(obj, name, out var value) && (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var n) || n < 1))
        {
            throw OpenAiError.BadParam(name, $"Invalid '{name}': expected a positive integer.");
        }
    }

    private static void NumberInRange(JsonElement obj, string name, double min, double max)
    {
        if (Present(obj, name, out var value) && (value.ValueKind != JsonValueKind.Number || value.GetDouble() < min || value.GetDouble() > max))
        {
            throw OpenAiError.BadParam(name, $"Invalid '{name}': expected a number between {min} and {max}.");
        }
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string Truncate(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
