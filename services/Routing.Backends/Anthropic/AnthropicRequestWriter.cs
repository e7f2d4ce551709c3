using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Routing.Backends.OpenAi;

namespace Routing.Backends.Anthropic;

/// <summary>
/// Writes a chat-shaped <see cref="ChatCall"/> as an Anthropic Messages request (docs.anthropic.com/en/api/messages).
/// The call is first written as the chat-completions body an OpenAI agent would get (<see cref="ChatRequestWriter"/>:
/// the client's fields as sent, the executor's own ones set), then translated: system and developer messages become
/// <c>system</c>, text and image parts become blocks, an assistant's <c>tool_calls</c> become <c>tool_use</c> blocks and
/// <c>tool</c> messages <c>tool_result</c> blocks of a user turn (consecutive turns of one role are merged, as the API
/// wants them alternating); <c>tools</c>, <c>tool_choice</c>, <c>parallel_tool_calls</c>, <c>stop</c>, <c>temperature</c>,
/// <c>top_p</c> and <c>user</c> map to their Messages equivalents and <c>max_tokens</c> is the reserved bound.
/// A field with no equivalent is refused naming it (a 400 for the client) rather than dropped: a dropped
/// <c>response_format</c> or <c>n</c> would be a silently different answer.
/// </summary>
public static class AnthropicRequestWriter
{
    /// <summary>Chat fields read by the translation, or the executor's own (model, output bound, streaming).</summary>
    private static readonly HashSet<string> Translated = new(StringComparer.Ordinal)
    {
        "model", "messages", "max_tokens", "max_completion_tokens", "stream", "stream_options", "temperature", "top_p", "stop",
        "tools", "tool_choice", "parallel_tool_calls", "user", "metadata", "n",

        // Log-probabilities: backends that cannot return them return none (ChatCall.Logprobs); Anthropic returns none.
        "logprobs", "top_logprobs",
    };

    public static byte[] Write(ChatCall call, bool stream, string agent)
    {
        ArgumentNullException.ThrowIfNull(call);
        var chat = JsonNode.Parse(ChatRequestWriter.Write(call, stream: false))!.AsObject();
        var body = Translate(chat, call.MaxTokens, stream, agent);
        return Encoding.UTF8.GetBytes(body.ToJsonString());
    }

    /// <summary>The Messages body for a chat-completions body.</summary>
    public static JsonObject Translate(JsonObject chat, int maxTokens, bool stream, string agent)
    {
        ArgumentNullException.ThrowIfNull(chat);
        foreach (var (name, _) in chat)
        {
            if (!Translated.Contains(name))
            {
                throw Refused(agent, name, $"'{name}' has no equivalent in Anthropic's Messages API");
            }
        }

        if (chat["n"] is JsonValue n && (!n.TryGetValue<int>(out var choices) || choices != 1))
        {
            throw Refused(agent, "n", "Anthropic's Messages API answers one choice per request (n must be 1)");
        }

        var body = new JsonObject { ["model"] = chat["model"]?.DeepClone(), ["max_tokens"] = maxTokens };
        var (system, turns) = Turns(chat["messages"] as JsonArray ?? [], agent);
        if (system is not null)
        {
            body["system"] = system;
        }

        body["messages"] = turns;
        CopyNumber(chat, "temperature", body);
        CopyNumber(chat, "top_p", body);
        if (chat["stop"] is { } stop)
        {
            body["stop_sequences"] = stop is JsonArray stops ? stops.DeepClone() : new JsonArray(stop.DeepClone());
        }

        if (chat["tools"] is JsonArray { Count: > 0 } tools)
        {
            body["tools"] = Tools(tools, agent);
        }

        if (ToolChoice(chat, agent) is { } toolChoice)
        {
            body["tool_choice"] = toolChoice;
        }

        if (chat["user"] is JsonValue user && user.GetValueKind() == JsonValueKind.String)
        {
            // Anthropic's metadata takes only user_id; the chat metadata's other keys have nowhere to go.
            body["metadata"] = new JsonObject { ["user_id"] = user.GetValue<string>() };
        }

        if (stream)
        {
            body["stream"] = true;
        }

        return body;
    }

    private static (JsonArray? System, JsonArray Turns) Turns(JsonArray messages, string agent)
    {
        JsonArray? system = null;
        var turns = new JsonArray();
        JsonObject? last = null;
        for (var i = 0; i < messages.Count; i++)
        {
            var at = string.Create(CultureInfo.InvariantCulture, $"messages[{i}]");
            var message = messages[i] as JsonObject ?? throw Refused(agent, at, "not a message object");
            var role = message["role"].AsString() ?? "";
            if (role is "system" or "developer")
            {
                // Anthropic has one top-level system prompt; system messages anywhere in the conversation join it in order.
                system ??= [];
                foreach (var block in TextBlocks(message["content"], $"{at}.content", agent))
                {
                    system.Add(block!.DeepClone());
                }

                continue;
            }

            var (turnRole, blocks) = role switch
            {
                "user" => ("user", UserBlocks(message["content"], $"{at}.content", agent)),
                "assistant" => ("assistant", AssistantBlocks(message, at, agent)),
                "tool" => ("user", ToolResult(message, at, agent)),
                _ => throw Refused(agent, $"{at}.role", $"role '{role}' has no equivalent in Anthropic's Messages API"),
            };
            if (blocks.Count == 0)
            {
                continue;
            }

            if (last is not null && last["role"]!.GetValue<string>() == turnRole)
            {
                var content = last["content"]!.AsArray();
                foreach (var block in blocks.ToList())
                {
                    blocks.Remove(block);
                    content.Add(block);
                }

                continue;
            }

            last = new JsonObject { ["role"] = turnRole, ["content"] = blocks };
            turns.Add(last);
        }

        return (system, turns);
    }

    private static JsonArray UserBlocks(JsonNode? content, string at, string agent)
    {
        if (content is not JsonArray parts)
        {
            return TextBlocks(content, at, agent);
        }

        var blocks = new JsonArray();
        for (var i = 0; i < parts.Count; i++)
        {
            var partAt = string.Create(CultureInfo.InvariantCulture, $"{at}[{i}]");
            var part = parts[i] as JsonObject ?? throw Refused(agent, partAt, "not a content part object");
            var type = part["type"].AsString();
            if (type == "image_url")
            {
                var url = part["image_url"] is JsonObject image ? image["url"].AsString() : null;
                blocks.Add(url is null
                    ? throw Refused(agent, $"{partAt}.image_url.url", "an image part needs its url")
                    : AnthropicMapping.ImageBlock(url) ?? throw Refused(agent, $"{partAt}.image_url.url", "a data URL must be base64 (data:image/png;base64,…)"));
            }
            else
            {
                blocks.Add(TextBlock(part, partAt, agent));
            }
        }

        return blocks;
    }

    private static JsonArray AssistantBlocks(JsonObject message, string at, string agent)
    {
        var blocks = TextBlocks(message["content"], $"{at}.content", agent);
        if (message["tool_calls"] is JsonArray calls)
        {
            for (var i = 0; i < calls.Count; i++)
            {
                var callAt = string.Create(CultureInfo.InvariantCulture, $"{at}.tool_calls[{i}]");
                var function = (calls[i] as JsonObject)?["function"] as JsonObject ?? throw Refused(agent, $"{callAt}.function", "a tool call needs its function");
                blocks.Add(AnthropicMapping.ToolUse(
                    calls[i]!["id"].AsString() ?? throw Refused(agent, $"{callAt}.id", "a tool call needs its id"),
                    function["name"].AsString() ?? throw Refused(agent, $"{callAt}.function.name", "a tool call needs its name"),
                    AnthropicMapping.ToolInput(function["arguments"].AsString() ?? "")));
            }
        }

        return blocks;
    }

    private static JsonArray ToolResult(JsonObject message, string at, string agent)
    {
        var id = message["tool_call_id"].AsString() ?? throw Refused(agent, $"{at}.tool_call_id", "a tool message needs the tool_call_id it answers");
        var result = new JsonObject { ["type"] = "tool_result", ["tool_use_id"] = id };
        var text = TextBlocks(message["content"], $"{at}.content", agent);
        if (text.Count > 0)
        {
            result["content"] = text;
        }

        return [result];
    }

    /// <summary>The text of a string or of text parts as text blocks; empty text makes no block (the API refuses empty text blocks).</summary>
    private static JsonArray TextBlocks(JsonNode? content, string at, string agent)
    {
        var blocks = new JsonArray();
        if (content is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            if (value.GetValue<string>().Length > 0)
            {
                blocks.Add(new JsonObject { ["type"] = "text", ["text"] = value.GetValue<string>() });
            }
        }
        else if (content is JsonArray parts)
        {
            for (var i = 0; i < parts.Count; i++)
            {
                var partAt = string.Create(CultureInfo.InvariantCulture, $"{at}[{i}]");
                var block = TextBlock(parts[i] as JsonObject ?? throw Refused(agent, partAt, "not a content part object"), partAt, agent);
                if (block["text"]!.GetValue<string>().Length > 0)
                {
                    blocks.Add(block);
                }
            }
        }
        else if (content is not null)
        {
            throw Refused(agent, at, "content must be a string or an array of content parts");
        }

        return blocks;
    }

    private static JsonObject TextBlock(JsonObject part, string at, string agent)
    {
        var type = part["type"].AsString();
        return type == "text" && part["text"] is JsonValue text && text.GetValueKind() == JsonValueKind.String
            ? new JsonObject { ["type"] = "text", ["text"] = text.GetValue<string>() }
            : throw Refused(agent, $"{at}.type", $"a '{type}' content part has no equivalent in Anthropic's Messages API here (text, and images in user turns, do)");
    }

    private static JsonArray Tools(JsonArray tools, string agent)
    {
        var result = new JsonArray();
        for (var i = 0; i < tools.Count; i++)
        {
            var at = string.Create(CultureInfo.InvariantCulture, $"tools[{i}]");
            var tool = tools[i] as JsonObject;
            if (tool?["type"].AsString() != "function" || tool["function"] is not JsonObject function || function["name"] is not JsonValue name)
            {
                throw Refused(agent, at, "only function tools ({\"type\":\"function\",\"function\":{\"name\",…}}) can be sent to an Anthropic agent");
            }

            var anthropic = new JsonObject { ["name"] = name.DeepClone() };
            if (function["description"] is { } description)
            {
                anthropic["description"] = description.DeepClone();
            }

            // A function without parameters takes none; Anthropic requires the schema all the same.
            anthropic["input_schema"] = function["parameters"]?.DeepClone() ?? new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() };
            result.Add(anthropic);
        }

        return result;
    }

    private static JsonObject? ToolChoice(JsonObject chat, string agent)
    {
        var choice = chat["tool_choice"] is { } given
            ? AnthropicMapping.MessagesToolChoice(given) ?? throw Refused(agent, "tool_choice", $"'{given.ToJsonString()}' is not 'auto', 'none', 'required' or a named function")
            : null;
        if (chat["parallel_tool_calls"] is JsonValue parallel && parallel.GetValueKind() == JsonValueKind.False && chat["tools"] is JsonArray { Count: > 0 })
        {
            choice ??= new JsonObject { ["type"] = "auto" };
            if (choice["type"]!.GetValue<string>() != "none")
            {
                choice["disable_parallel_tool_use"] = true;
            }
        }

        return choice;
    }

    private static void CopyNumber(JsonObject chat, string name, JsonObject body)
    {
        if (chat[name] is JsonValue value && value.GetValueKind() == JsonValueKind.Number)
        {
            body[name] = value.DeepClone();
        }
    }

    /// <summary>A field the Messages API cannot take: refused before sending, the client's to fix (a 400 naming it).</summary>
    private static BackendException Refused(string agent, string field, string reason) =>
        new(BackendFailure.Rejected, $"Agent '{agent}' speaks Anthropic's Messages API: '{field}': {reason}.", mayHaveBeenBilled: false) { CallerFault = true, Field = field };
}
