using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Routing.Contracts.Wire;
using Routing.Executor.Pipeline;
using ChatMessage = Routing.Backends.ChatMessage;

namespace Routing.Executor.Http;

/// <summary>
/// An OpenAI chat-completions body as a <see cref="StepCommand"/>. Every problem is a 400 naming the parameter,
/// in OpenAI's words where OpenAI has some. <c>model</c> "auto" routes the step; an agent's name pins it.
/// </summary>
public static class ChatCompletionRequest
{
    public sealed record Parsed(StepCommand Command, bool Stream, bool IncludeUsage);

    public static Parsed Parse(ReadOnlyMemory<byte> body, string taskId, string? idempotencyKey, double? costPreference, StepSignals? signals = null)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw Bad(null, $"We could not parse the JSON body of your request: {e.Message}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Bad(null, "The request body must be a JSON object.");
            }
            var model = root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : throw Bad("model", "Missing required parameter: 'model' (a string: 'auto' to route, or an agent's name).");
            var stream = OptionalBool(root, "stream");
            var includeUsage = false;
            if (root.TryGetProperty("stream_options", out var streamOptions) && streamOptions.ValueKind != JsonValueKind.Null)
            {
                if (streamOptions.ValueKind != JsonValueKind.Object)
                {
                    throw Bad("stream_options", "Invalid type for 'stream_options': expected an object.");
                }
                if (!stream)
                {
                    throw Bad("stream_options", "The 'stream_options' parameter is only allowed when 'stream' is enabled.");
                }
                includeUsage = OptionalBool(streamOptions, "include_usage", "stream_options.include_usage");
            }
            if (OptionalInt(root, "n") is { } n && n != 1)
            {
                throw Bad("n", $"Invalid 'n': only 1 is supported (got {n}); the executor reserves and bills one choice per step, so send {n} requests instead.");
            }
            var maxTokensField = root.TryGetProperty("max_completion_tokens", out _) ? "max_completion_tokens" : "max_tokens";
            var maxTokens = OptionalInt(root, maxTokensField);
            if (maxTokens is <= 0)
            {
                throw Bad(maxTokensField, $"Invalid '{maxTokensField}': must be ≥ 1 (got {maxTokens}).");
            }
            double? temperature = root.TryGetProperty("temperature", out var t) && t.ValueKind != JsonValueKind.Null
                ? t.ValueKind == JsonValueKind.Number ? t.GetDouble() : throw Bad("temperature", "Invalid type for 'temperature': expected a number.")
                : null;
            JsonElement? tools = root.TryGetProperty("tools", out var toolsElement) && toolsElement.ValueKind != JsonValueKind.Null
                ? toolsElement.ValueKind == JsonValueKind.Array ? toolsElement.Clone() : throw Bad("tools", "Invalid type for 'tools': expected an array.")
                : null;

            var parts = new ContentPartTally();
            var command = new StepCommand
            {
                TaskId = taskId,
                Messages = Messages(root, parts),
                ContentParts = parts,
                PassThrough = JsonObject.Create(root.Clone()),
                Fingerprint = idempotencyKey is null ? null : RequestFingerprint.Of(root),
                Tools = tools,
                ToolChoice = root.TryGetProperty("tool_choice", out var toolChoice) && toolChoice.ValueKind != JsonValueKind.Null
                    ? toolChoice.ValueKind is JsonValueKind.String or JsonValueKind.Object ? toolChoice.Clone() : throw Bad("tool_choice", "Invalid type for 'tool_choice': expected a string or an object.")
                    : null,
                MaxTokens = maxTokens ?? 0,
                MaxTokensField = maxTokensField,
                Agent = model == RoutingHeaders.RoutedModel ? null : model,
                AgentField = "model",
                IdempotencyKey = idempotencyKey,
                Temperature = temperature,
                Logprobs = OptionalBool(root, "logprobs"),
                TopLogprobs = OptionalInt(root, "top_logprobs") ?? 0,
                CostPreference = costPreference,
                Signals = signals ?? StepSignals.None,
            };
            return new Parsed(command, stream, includeUsage);
        }
    }

    private static ChatMessage[] Messages(JsonElement root, ContentPartTally parts)
    {
        if (!root.TryGetProperty("messages", out var messages))
        {
            throw Bad("messages", "Missing required parameter: 'messages'.");
        }
        if (messages.ValueKind != JsonValueKind.Array)
        {
            throw Bad("messages", "Invalid type for 'messages': expected an array.");
        }
        var result = new ChatMessage[messages.GetArrayLength()];
        var i = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var at = string.Create(CultureInfo.InvariantCulture, $"messages[{i}]");
            if (message.ValueKind != JsonValueKind.Object)
            {
                throw Bad(at, $"Invalid type for '{at}': expected an object.");
            }
            var role = message.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : throw Bad($"{at}.role", $"Missing required parameter: '{at}.role'.");
            result[i] = new ChatMessage(
                role,
                Content(message, $"{at}.content", parts),
                OptionalString(message, "name", $"{at}.name"),
                OptionalString(message, "tool_call_id", $"{at}.tool_call_id"),
                message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array ? calls.Clone() : null);
            i++;
        }
        return result;
    }

    /// <summary>
    /// A string, null, or an array of content parts whose text parts are joined (what the features read); the
    /// other parts are forwarded as sent and counted here for the reservation's input bound.
    /// </summary>
    private static string Content(JsonElement message, string field, ContentPartTally parts)
    {
        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
        {
            return "";
        }
        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString()!;
        }
        if (content.ValueKind != JsonValueKind.Array)
        {
            throw Bad(field, $"Invalid type for '{field}': expected a string or an array of content parts.");
        }
        var text = new StringBuilder();
        var i = 0;
        foreach (var part in content.EnumerateArray())
        {
            var at = string.Create(CultureInfo.InvariantCulture, $"{field}[{i++}]");
            if (part.ValueKind != JsonValueKind.Object)
            {
                throw Bad(at, $"Invalid type for '{at}': expected a content part object.");
            }
            var type = part.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            if (part.TryGetProperty("text", out var partText) && partText.ValueKind == JsonValueKind.String)
            {
                text.Append(partText.GetString());
            }
            else if (type == "image_url")
            {
                var low = part.TryGetProperty("image_url", out var image) && image.ValueKind == JsonValueKind.Object
                    && image.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String && detail.GetString() == "low";
                if (low)
                {
                    parts.LowDetailImages++;
                }
                else
                {
                    parts.Images++;
                }
            }
            else
            {
                // Audio, files and parts this executor does not know: their bytes (base64 data included) bound their tokens.
                parts.OtherBytes += Encoding.UTF8.GetByteCount(part.GetRawText());
            }
        }
        return text.ToString();
    }

    private static bool OptionalBool(JsonElement element, string name, string? field = null)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return false;
        }
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Bad(field ?? name, $"Invalid type for '{field ?? name}': expected a boolean."),
        };
    }

    private static int? OptionalInt(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : throw Bad(name, $"Invalid type for '{name}': expected an integer.");
    }

    private static string? OptionalString(JsonElement element, string name, string field)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Bad(field, $"Invalid type for '{field}': expected a string.");
    }

    private static OpenAiRequestException Bad(string? param, string message) =>
        new(new OpenAiErrorBody(400, message, "invalid_request_error", param, param is null ? "invalid_json" : "invalid_value"));
}
