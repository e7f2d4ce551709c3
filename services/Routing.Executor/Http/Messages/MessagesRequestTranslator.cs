using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Routing.Backends.Anthropic;
using static Routing.Executor.Http.TranslatedFields;

namespace Routing.Executor.Http.Messages;

/// <summary>
/// Translates an Anthropic Messages API request (docs.anthropic.com/en/api/messages) into a chat-completions request:
/// <c>system</c> (a string or text blocks) becomes the system message; <c>text</c> and <c>image</c> blocks become
/// content parts (base64 sources as data URLs); an assistant's <c>tool_use</c> blocks become its <c>tool_calls</c> and a
/// user's <c>tool_result</c> blocks become <c>tool</c> messages placed before the rest of that user turn (the chat API
/// wants tool answers right after the call); <c>tools</c>, <c>tool_choice</c> (<c>auto</c>, <c>any</c>, <c>tool</c>,
/// <c>none</c>, <c>disable_parallel_tool_use</c>), <c>stop_sequences</c>, <c>max_tokens</c> (required, as in
/// Anthropic's API), <c>temperature</c>, <c>top_p</c> and <c>metadata.user_id</c> map to their chat equivalents.
/// Thinking blocks are dropped (a chat backend takes none back); server tools and documents are refused by name.
/// </summary>
internal static class MessagesRequestTranslator
{
    public static (JsonObject ChatBody, bool Stream) Translate(JsonObject request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var chat = new JsonObject { ["model"] = RequiredString(request, "model", "model") };
        chat["max_tokens"] = PositiveInt(request, "max_tokens", "max_tokens") ?? throw Bad("max_tokens", "max_tokens: Field required");
        Copy(request, "temperature", chat);
        Copy(request, "top_p", chat);
        var stream = Bool(request, "stream", "stream");
        if (stream)
        {
            chat["stream"] = true;
        }
        if (Array(request, "stop_sequences", "stop_sequences") is { Count: > 0 } stops)
        {
            chat["stop"] = stops.DeepClone();
        }
        if (Get(request, "metadata") is { } metadata && Object(metadata, "metadata")["user_id"] is { } user)
        {
            chat["user"] = user.DeepClone();
        }

        var messages = new JsonArray();
        if (Get(request, "system") is { } system)
        {
            messages.Add(new JsonObject { ["role"] = "system", ["content"] = system is JsonValue s && s.GetValueKind() == JsonValueKind.String ? s.GetValue<string>() : Text(system, "system") });
        }
        var turns = Array(request, "messages", "messages") ?? throw Bad("messages", "messages: Field required");
        for (var i = 0; i < turns.Count; i++)
        {
            AddTurn(messages, Object(turns[i], At("messages", i)), At("messages", i));
        }
        chat["messages"] = messages;

        if (Array(request, "tools", "tools") is { Count: > 0 } tools)
        {
            chat["tools"] = Tools(tools);
        }
        if (Get(request, "tool_choice") is { } toolChoice)
        {
            ToolChoice(Object(toolChoice, "tool_choice"), chat);
        }
        return (chat, stream);
    }

    private static void AddTurn(JsonArray messages, JsonObject turn, string at)
    {
        var role = RequiredString(turn, "role", $"{at}.role");
        if (role is not ("user" or "assistant"))
        {
            throw Bad($"{at}.role", $"{at}.role: Input should be 'user' or 'assistant' (got '{role}')");
        }
        var content = Get(turn, "content") ?? throw Bad($"{at}.content", $"{at}.content: Field required");
        if (content is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            messages.Add(new JsonObject { ["role"] = role, ["content"] = v.GetValue<string>() });
            return;
        }
        if (content is not JsonArray blocks)
        {
            throw Bad($"{at}.content", $"{at}.content: Input should be a string or a list of content blocks");
        }

        var parts = new JsonArray();
        var toolCalls = new JsonArray();
        for (var i = 0; i < blocks.Count; i++)
        {
            var blockAt = $"{at}.content.{i.ToString(CultureInfo.InvariantCulture)}";
            var block = Object(blocks[i], blockAt);
            var type = RequiredString(block, "type", $"{blockAt}.type");
            switch (type)
            {
                case "text":
                    parts.Add(new JsonObject { ["type"] = "text", ["text"] = RequiredString(block, "text", $"{blockAt}.text") });
                    break;
                case "image" when role == "user":
                    parts.Add(Image(block, blockAt));
                    break;
                case "tool_use" when role == "assistant":
                    var input = Get(block, "input") ?? new JsonObject();
                    toolCalls.Add(FunctionCall(RequiredString(block, "id", $"{blockAt}.id"), RequiredString(block, "name", $"{blockAt}.name"), input.ToJsonString()));
                    break;
                case "tool_result" when role == "user":
                    messages.Add(new JsonObject
                    {
                        ["role"] = "tool",
                        ["tool_call_id"] = RequiredString(block, "tool_use_id", $"{blockAt}.tool_use_id"),
                        ["content"] = ToolResult(block, blockAt),
                    });
                    break;
                case "thinking" or "redacted_thinking" when role == "assistant":
                    break;
                default:
                    throw Bad($"{blockAt}.type", $"{blockAt}.type: content block type '{type}' is not supported in a {role} turn by this endpoint");
            }
        }

        if (role == "assistant")
        {
            var message = new JsonObject { ["role"] = "assistant", ["content"] = parts.Count == 0 ? null : Text(parts, at) };
            if (toolCalls.Count > 0)
            {
                message["tool_calls"] = toolCalls;
            }
            messages.Add(message);
        }
        else if (parts.Count > 0)
        {
            // All-text turns stay strings, which every chat backend takes; a turn with an image keeps its parts.
            var onlyText = parts.All(p => p!["type"]!.GetValue<string>() == "text");
            messages.Add(new JsonObject { ["role"] = "user", ["content"] = onlyText ? Text(parts, at) : parts });
        }
    }

    private static JsonObject Image(JsonObject block, string at)
    {
        var source = Object(Get(block, "source"), $"{at}.source");
        var type = RequiredString(source, "type", $"{at}.source.type");
        var url = AnthropicMapping.ImageUrl(type, () => RequiredString(source, "media_type", $"{at}.source.media_type"), () => RequiredString(source, "data", $"{at}.source.data"),
                () => RequiredString(source, "url", $"{at}.source.url"))
            ?? throw Bad($"{at}.source.type", $"{at}.source.type: image source '{type}' is not supported (use 'base64' or 'url')");
        return new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = url } };
    }

    /// <summary>A tool result's text; an error result says so, since chat tool messages have no error flag.</summary>
    private static string ToolResult(JsonObject block, string at)
    {
        var content = Get(block, "content");
        var text = content switch
        {
            null => "",
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            _ => Text(content, $"{at}.content"),
        };
        return Bool(block, "is_error", $"{at}.is_error") ? "Error: " + text : text;
    }

    /// <summary>The text of text blocks, joined; any other block is refused by name.</summary>
    private static string Text(JsonNode blocks, string field)
    {
        if (blocks is not JsonArray array)
        {
            throw Bad(field, $"{field}: Input should be a string or a list of text blocks");
        }
        var text = new StringBuilder();
        for (var i = 0; i < array.Count; i++)
        {
            var at = $"{field}.{i.ToString(CultureInfo.InvariantCulture)}";
            var block = Object(array[i], at);
            var type = RequiredString(block, "type", $"{at}.type");
            text.Append(type == "text" ? RequiredString(block, "text", $"{at}.text") : throw Bad($"{at}.type", $"{at}.type: only text blocks are supported here (got '{type}')"));
        }
        return text.ToString();
    }

    private static JsonArray Tools(JsonArray tools)
    {
        var chat = new JsonArray();
        for (var i = 0; i < tools.Count; i++)
        {
            var at = At("tools", i);
            var tool = Object(tools[i], at);
            if (String(tool, "type", $"{at}.type") is { } type && type != "custom")
            {
                throw Bad($"{at}.type", $"{at}.type: server tool '{type}' cannot be routed to chat-completions agents; define it as a client tool with an input_schema");
            }
            var schema = Get(tool, "input_schema") ?? throw Bad($"{at}.input_schema", $"{at}.input_schema: Field required");
            chat.Add(FunctionTool(RequiredString(tool, "name", $"{at}.name"), Get(tool, "description"), schema, null));
        }
        return chat;
    }

    private static void ToolChoice(JsonObject choice, JsonObject chat)
    {
        var type = RequiredString(choice, "type", "tool_choice.type");
        chat["tool_choice"] = AnthropicMapping.ChatToolChoice(type, () => RequiredString(choice, "name", "tool_choice.name"))
            ?? throw Bad("tool_choice.type", $"tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none' (got '{type}')");
        if (Bool(choice, "disable_parallel_tool_use", "tool_choice.disable_parallel_tool_use"))
        {
            chat["parallel_tool_calls"] = false;
        }
    }

    private static string At(string field, int i) => $"{field}.{i.ToString(CultureInfo.InvariantCulture)}";
}
