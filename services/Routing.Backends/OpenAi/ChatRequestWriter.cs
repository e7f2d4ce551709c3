using System.Text.Json;

namespace Routing.Backends.OpenAi;

/// <summary>Writes a <see cref="ChatCall"/> as an OpenAI chat-completions request body.</summary>
public static class ChatRequestWriter
{
    /// <summary>
    /// The request body; <paramref name="stream"/> asks for SSE chunks with the usage in the last one.
    /// <paramref name="maxTokensField"/> names the output cap (<c>max_tokens</c>, or <c>max_completion_tokens</c>
    /// for APIs whose newer models refuse the former).
    /// </summary>
    public static byte[] Write(ChatCall call, bool stream, string maxTokensField = "max_tokens")
    {
        ArgumentNullException.ThrowIfNull(call);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("model", call.Model);
            json.WriteStartArray("messages");
            foreach (var message in call.Messages)
            {
                WriteMessage(json, message);
            }

            json.WriteEndArray();
            json.WriteNumber(maxTokensField, call.MaxTokens);
            if (call.Temperature is { } temperature)
            {
                json.WriteNumber("temperature", temperature);
            }

            if (call.Logprobs)
            {
                json.WriteBoolean("logprobs", true);
                if (call.TopLogprobs > 0)
                {
                    json.WriteNumber("top_logprobs", call.TopLogprobs);
                }
            }

            if (call.Tools is { ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null } tools)
            {
                json.WritePropertyName("tools");
                tools.WriteTo(json);
            }

            if (call.ToolChoice is { ValueKind: JsonValueKind.String or JsonValueKind.Object } toolChoice)
            {
                json.WritePropertyName("tool_choice");
                toolChoice.WriteTo(json);
            }

            if (call.Metadata.Count > 0)
            {
                json.WriteStartObject("metadata");
                foreach (var (key, value) in call.Metadata)
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            if (stream)
            {
                json.WriteBoolean("stream", true);
                json.WriteStartObject("stream_options");

                // Without it a streamed answer carries no usage, and unledgered tokens are not guessed.
                json.WriteBoolean("include_usage", true);
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void WriteMessage(Utf8JsonWriter json, ChatMessage message)
    {
        json.WriteStartObject();
        json.WriteString("role", message.Role);
        var toolCalls = message.ToolCalls is { ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null } calls ? calls : (JsonElement?)null;

        // An assistant message that only calls tools has null content in the OpenAI API.
        if (message.Content.Length == 0 && toolCalls is not null)
        {
            json.WriteNull("content");
        }
        else
        {
            json.WriteString("content", message.Content);
        }

        if (message.Name is not null)
        {
            json.WriteString("name", message.Name);
        }

        if (message.ToolCallId is not null)
        {
            json.WriteString("tool_call_id", message.ToolCallId);
        }

        if (toolCalls is { } raw)
        {
            json.WritePropertyName("tool_calls");
            raw.WriteTo(json);
        }

        json.WriteEndObject();
    }
}
