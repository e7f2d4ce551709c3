using System.Text.Json;
using System.Text.Json.Nodes;

namespace Routing.Backends.Anthropic;

/// <summary>
/// The correspondences between Anthropic's Messages API (docs.anthropic.com/en/api/messages) and OpenAI's chat
/// completions, in both directions, written once: the executor's <c>/v1/messages</c> endpoint translates Anthropic
/// clients to chat-shaped steps with them, and <see cref="AnthropicChatBackend"/> translates chat-shaped calls to
/// Anthropic agents and back with the same tables, so the two directions cannot drift apart.
/// </summary>
public static class AnthropicMapping
{
    /// <summary>The <c>anthropic-version</c> header value the backend sends (the API's only GA version).</summary>
    public const string ApiVersion = "2023-06-01";

    /// <summary>Anthropic's stop reason for a chat-completions finish reason.</summary>
    public static string StopReason(string finishReason) => finishReason switch
    {
        "length" => "max_tokens",
        "tool_calls" or "function_call" => "tool_use",
        "content_filter" => "refusal",
        _ => "end_turn",
    };

    /// <summary>
    /// The chat-completions finish reason for an Anthropic stop reason: <c>end_turn</c>, <c>stop_sequence</c> and
    /// <c>pause_turn</c> are a stop, <c>max_tokens</c> (and <c>model_context_window_exceeded</c>) the length cap,
    /// <c>tool_use</c> tool calls, <c>refusal</c> a content filter.
    /// </summary>
    public static string FinishReason(string stopReason) => stopReason switch
    {
        "max_tokens" or "model_context_window_exceeded" => "length",
        "tool_use" => "tool_calls",
        "refusal" => "content_filter",
        _ => "stop",
    };

    /// <summary>
    /// The chat <c>tool_choice</c> for an Anthropic one of <paramref name="type"/> (<c>auto</c>, <c>any</c>,
    /// <c>none</c>, <c>tool</c> naming <paramref name="name"/>); null for a type Anthropic does not define.
    /// </summary>
    public static JsonNode? ChatToolChoice(string type, Func<string> name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return type switch
        {
            "auto" => "auto",
            "any" => "required",
            "none" => "none",
            "tool" => new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = name() } },
            _ => null,
        };
    }

    /// <summary>
    /// The Anthropic <c>tool_choice</c> for a chat one (<c>"auto"</c>, <c>"none"</c>, <c>"required"</c> or a named
    /// function), the inverse of <see cref="ChatToolChoice"/>; null for one it does not define.
    /// </summary>
    public static JsonObject? MessagesToolChoice(JsonNode? choice)
    {
        if (choice is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            return value.GetValue<string>() switch
            {
                "auto" => new JsonObject { ["type"] = "auto" },
                "required" => new JsonObject { ["type"] = "any" },
                "none" => new JsonObject { ["type"] = "none" },
                _ => null,
            };
        }

        return choice is JsonObject named && named["function"] is JsonObject function && function["name"] is JsonValue name
            && name.GetValueKind() == JsonValueKind.String
            ? new JsonObject { ["type"] = "tool", ["name"] = name.GetValue<string>() }
            : null;
    }

    /// <summary>The chat <c>image_url</c> of an Anthropic image source: base64 data as a data URL, a URL as it is.</summary>
    public static string? ImageUrl(string sourceType, Func<string> mediaType, Func<string> data, Func<string> url)
    {
        ArgumentNullException.ThrowIfNull(mediaType);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(url);
        return sourceType switch
        {
            "base64" => $"data:{mediaType()};base64,{data()}",
            "url" => url(),
            _ => null,
        };
    }

    /// <summary>
    /// The Anthropic image block of a chat image URL, the inverse of <see cref="ImageUrl"/>: a base64 data URL
    /// (<c>data:image/png;base64,…</c>) as a base64 source, anything else as a URL source; null for a data URL that is not base64.
    /// </summary>
    public static JsonObject? ImageBlock(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        JsonObject source;
        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            var comma = url.IndexOf(',', StringComparison.Ordinal);
            var header = comma < 0 ? "" : url[5..comma];
            if (!header.EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            source = new JsonObject { ["type"] = "base64", ["media_type"] = header[..^7], ["data"] = url[(comma + 1)..] };
        }
        else
        {
            source = new JsonObject { ["type"] = "url", ["url"] = url };
        }

        return new JsonObject { ["type"] = "image", ["source"] = source };
    }

    public static JsonObject ToolUse(string id, string name, JsonNode input) => new() { ["type"] = "tool_use", ["id"] = id, ["name"] = name, ["input"] = input };

    /// <summary>A tool call's arguments as the <c>input</c> object; arguments that are not a JSON object are kept under <c>arguments</c> rather than lost.</summary>
    public static JsonNode ToolInput(string arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        try
        {
            return JsonNode.Parse(arguments.Length == 0 ? "{}" : arguments) as JsonObject ?? new JsonObject { ["arguments"] = arguments };
        }
        catch (JsonException)
        {
            return new JsonObject { ["arguments"] = arguments };
        }
    }

    /// <summary>The node's string, or null when it is absent or not a string.</summary>
    internal static string? AsString(this JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
}
