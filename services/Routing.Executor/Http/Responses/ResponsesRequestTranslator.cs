using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static Routing.Executor.Http.TranslatedFields;

namespace Routing.Executor.Http.Responses;

/// <summary>A <c>/v1/responses</c> body as a chat-completions body, and the conversation it continues.</summary>
/// <param name="ChatBody">What the chat-completions step runs: the instructions as a system message, then the conversation.</param>
/// <param name="Conversation">The earlier turns (from <c>previous_response_id</c>) and this request's input, without the instructions (a follow-up's instructions replace them).</param>
/// <param name="PreviousResponseId">The response this one continues, if any.</param>
internal sealed record TranslatedResponsesRequest(JsonObject ChatBody, JsonArray Conversation, string? PreviousResponseId, bool Stream);

/// <summary>
/// Translates an OpenAI Responses API request into a chat-completions request, following the API reference
/// (platform.openai.com/docs/api-reference/responses/create): <c>input</c> as a string or items (messages with
/// <c>input_text</c>/<c>input_image</c>/<c>output_text</c> parts, <c>function_call</c>, <c>function_call_output</c>),
/// <c>instructions</c>, function <c>tools</c>, <c>tool_choice</c>, <c>max_output_tokens</c>, <c>text.format</c>,
/// <c>reasoning.effort</c>. Fields the chat API has too pass under their chat names; built-in tools (web search,
/// file search, computer use) have no chat-completions equivalent and are refused with a 400 naming them.
/// </summary>
internal static class ResponsesRequestTranslator
{
    /// <summary>Fields with the same meaning and name in both APIs.</summary>
    private static readonly string[] SameFields = ["model", "temperature", "top_p", "parallel_tool_calls", "user", "top_logprobs", "service_tier", "prompt_cache_key", "safety_identifier"];

    /// <param name="previous">The stored conversation of <c>previous_response_id</c> (chat messages), or null.</param>
    public static TranslatedResponsesRequest Translate(JsonObject request, JsonArray? previous)
    {
        ArgumentNullException.ThrowIfNull(request);
        var chat = new JsonObject();
        foreach (var field in SameFields)
        {
            Copy(request, field, chat);
        }
        if (!chat.ContainsKey("model"))
        {
            throw Bad("model", "Missing required parameter: 'model' (a string: 'auto' to route, or an agent's name).");
        }
        var stream = Bool(request, "stream", "stream");
        if (stream)
        {
            chat["stream"] = true;
        }
        if (PositiveInt(request, "max_output_tokens", "max_output_tokens") is { } maxTokens)
        {
            chat["max_tokens"] = maxTokens;
        }
        if (Get(request, "reasoning") is { } reasoning && Object(reasoning, "reasoning")["effort"] is { } effort)
        {
            chat["reasoning_effort"] = effort.DeepClone();
        }
        if (Get(request, "text") is { } text && Object(text, "text")["format"] is { } format)
        {
            chat["response_format"] = ResponseFormat(Object(format, "text.format"));
        }
        if (Array(request, "tools", "tools") is { Count: > 0 } tools)
        {
            chat["tools"] = Tools(tools);
        }
        if (Get(request, "tool_choice") is { } toolChoice)
        {
            chat["tool_choice"] = ToolChoice(toolChoice);
        }

        var conversation = previous?.DeepClone().AsArray() ?? [];
        foreach (var message in Input(Get(request, "input")))
        {
            conversation.Add(message);
        }
        if (conversation.Count == 0)
        {
            throw Bad("input", "Missing required parameter: 'input'.");
        }
        var messages = new JsonArray();
        if (String(request, "instructions", "instructions") is { Length: > 0 } instructions)
        {
            messages.Add(new JsonObject { ["role"] = "system", ["content"] = instructions });
        }
        foreach (var message in conversation)
        {
            messages.Add(message!.DeepClone());
        }
        chat["messages"] = messages;
        return new TranslatedResponsesRequest(chat, conversation, String(request, "previous_response_id", "previous_response_id"), stream);
    }

    /// <summary>The input items as chat messages: consecutive function calls (and the assistant text before them) form one assistant message.</summary>
    private static List<JsonObject> Input(JsonNode? input)
    {
        var messages = new List<JsonObject>();
        switch (input)
        {
            case null:
                return messages;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                messages.Add(new JsonObject { ["role"] = "user", ["content"] = v.GetValue<string>() });
                return messages;
            case JsonArray items:
                for (var i = 0; i < items.Count; i++)
                {
                    AddItem(messages, Object(items[i], At(i)), At(i));
                }
                return messages;
            default:
                throw Bad("input", "Invalid type for 'input': expected a string or an array of input items.");
        }
    }

    private static void AddItem(List<JsonObject> messages, JsonObject item, string at)
    {
        var type = String(item, "type", $"{at}.type") ?? "message";
        switch (type)
        {
            case "message":
                var role = RequiredString(item, "role", $"{at}.role");
                if (role is not ("user" or "assistant" or "system" or "developer"))
                {
                    throw Bad($"{at}.role", $"Invalid value for '{at}.role': expected 'user', 'assistant', 'system' or 'developer' (got '{role}').");
                }
                messages.Add(new JsonObject { ["role"] = role, ["content"] = Content(Get(item, "content"), role, $"{at}.content") });
                return;
            case "function_call":
                var call = FunctionCall(RequiredString(item, "call_id", $"{at}.call_id"), RequiredString(item, "name", $"{at}.name"), String(item, "arguments", $"{at}.arguments") ?? "{}");
                if (messages.Count > 0 && messages[^1]["role"]?.GetValue<string>() == "assistant")
                {
                    var last = messages[^1];
                    if (last["tool_calls"] is not JsonArray calls)
                    {
                        last["tool_calls"] = calls = [];
                    }
                    calls.Add(call);
                    return;
                }
                messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = null, ["tool_calls"] = new JsonArray(call) });
                return;
            case "function_call_output":
                var output = Get(item, "output") ?? throw Bad($"{at}.output", $"Missing required parameter: '{at}.output'.");
                messages.Add(new JsonObject
                {
                    ["role"] = "tool",
                    ["tool_call_id"] = RequiredString(item, "call_id", $"{at}.call_id"),
                    ["content"] = output is JsonValue text && text.GetValueKind() == JsonValueKind.String ? text.GetValue<string>() : JoinedText(output, $"{at}.output"),
                });
                return;
            case "reasoning":
                // A reasoning model's summary of its own earlier thinking: chat-completions backends take none back.
                return;
            default:
                throw Bad($"{at}.type", $"Unsupported input item type '{type}' at '{at}.type': this endpoint takes 'message', 'function_call' and 'function_call_output' items.");
        }
    }

    /// <summary>A message's content: a string stays one; parts become chat parts (all-text parts of an assistant or system turn are joined).</summary>
    private static JsonNode Content(JsonNode? content, string role, string field)
    {
        if (content is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            return v.GetValue<string>();
        }
        if (content is not JsonArray parts)
        {
            throw Bad(field, $"Invalid type for '{field}': expected a string or an array of content parts.");
        }
        if (role != "user")
        {
            return JoinedText(parts, field);
        }
        var chatParts = new JsonArray();
        for (var i = 0; i < parts.Count; i++)
        {
            var at = string.Create(CultureInfo.InvariantCulture, $"{field}[{i}]");
            var part = Object(parts[i], at);
            var type = RequiredString(part, "type", $"{at}.type");
            switch (type)
            {
                case "input_text" or "output_text" or "text":
                    chatParts.Add(new JsonObject { ["type"] = "text", ["text"] = RequiredString(part, "text", $"{at}.text") });
                    break;
                case "input_image":
                    var url = String(part, "image_url", $"{at}.image_url")
                        ?? throw Bad($"{at}.image_url", $"Missing '{at}.image_url': images are passed by URL or data URL (file ids need the Files API, which this endpoint does not serve).");
                    var image = new JsonObject { ["url"] = url };
                    Copy(part, "detail", image);
                    chatParts.Add(new JsonObject { ["type"] = "image_url", ["image_url"] = image });
                    break;
                default:
                    throw Bad($"{at}.type", $"Unsupported content part type '{type}' at '{at}.type': expected 'input_text' or 'input_image'.");
            }
        }
        return chatParts;
    }

    private static string JoinedText(JsonNode node, string field)
    {
        if (node is not JsonArray parts)
        {
            throw Bad(field, $"Invalid type for '{field}': expected a string or an array of text parts.");
        }
        var text = new StringBuilder();
        for (var i = 0; i < parts.Count; i++)
        {
            var at = string.Create(CultureInfo.InvariantCulture, $"{field}[{i}]");
            var part = Object(parts[i], at);
            text.Append(String(part, "text", $"{at}.text") ?? String(part, "refusal", $"{at}.refusal")
                ?? throw Bad($"{at}.text", $"Unsupported content part at '{at}': only text parts are accepted here."));
        }
        return text.ToString();
    }

    private static JsonArray Tools(JsonArray tools)
    {
        var chat = new JsonArray();
        for (var i = 0; i < tools.Count; i++)
        {
            var at = string.Create(CultureInfo.InvariantCulture, $"tools[{i}]");
            var tool = Object(tools[i], at);
            var type = RequiredString(tool, "type", $"{at}.type");
            if (type != "function")
            {
                throw Bad($"{at}.type", $"Unsupported tool type '{type}' at '{at}.type': only 'function' tools can be routed to chat-completions agents.");
            }
            chat.Add(FunctionTool(RequiredString(tool, "name", $"{at}.name"), Get(tool, "description"), Get(tool, "parameters"), Get(tool, "strict")));
        }
        return chat;
    }

    private static JsonNode ToolChoice(JsonNode choice)
    {
        if (choice is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            var mode = v.GetValue<string>();
            return mode is "auto" or "none" or "required"
                ? mode
                : throw Bad("tool_choice", $"Invalid value for 'tool_choice': expected 'auto', 'none', 'required' or a function (got '{mode}').");
        }
        var named = Object(choice, "tool_choice");
        var type = RequiredString(named, "type", "tool_choice.type");
        return type == "function"
            ? new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = RequiredString(named, "name", "tool_choice.name") } }
            : throw Bad("tool_choice.type", $"Unsupported 'tool_choice.type' '{type}': only 'function' can be forced.");
    }

    private static JsonNode ResponseFormat(JsonObject format)
    {
        var type = RequiredString(format, "type", "text.format.type");
        switch (type)
        {
            case "text" or "json_object":
                return new JsonObject { ["type"] = type };
            case "json_schema":
                var schema = new JsonObject { ["name"] = RequiredString(format, "name", "text.format.name") };
                Copy(format, "description", schema);
                Copy(format, "schema", schema);
                Copy(format, "strict", schema);
                return new JsonObject { ["type"] = "json_schema", ["json_schema"] = schema };
            default:
                throw Bad("text.format.type", $"Invalid value for 'text.format.type': expected 'text', 'json_object' or 'json_schema' (got '{type}').");
        }
    }

    private static string At(int i) => string.Create(CultureInfo.InvariantCulture, $"input[{i}]");
}
