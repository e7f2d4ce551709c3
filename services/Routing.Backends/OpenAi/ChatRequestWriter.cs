using System.Text.Json;
using System.Text.Json.Nodes;

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
            if (call.PassThrough is { } client)
            {
                WritePassThrough(json, call, client, stream, call.MaxTokensField ?? maxTokensField);
                json.Flush();
                return buffer.ToArray();
            }

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
                WriteMetadata(json, call.Metadata);
            }

            if (stream)
            {
                WriteStreamOptions(json, null);
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// The client's body as sent, but for the fields the executor owns (<see cref="ChatCall.OwnedFields"/>): the
    /// routed agent's model, the output bound the reservation covers, and streaming with usage.
    /// </summary>
    private static void WritePassThrough(Utf8JsonWriter json, ChatCall call, JsonObject client, bool stream, string maxTokensField)
    {
        json.WriteStartObject();
        json.WriteString("model", call.Model);
        foreach (var (name, value) in client)
        {
            if (ChatCall.OwnedFields.Contains(name) || (name == "metadata" && call.Metadata.Count > 0))
            {
                continue;
            }

            WriteNode(json, name, value);
        }

        json.WriteNumber(maxTokensField, call.MaxTokens);
        if (call.Metadata.Count > 0)
        {
            WriteMetadata(json, call.Metadata);
        }

        if (stream)
        {
            WriteStreamOptions(json, client["stream_options"] as JsonObject);
        }

        json.WriteEndObject();
    }

    /// <summary><c>stream: true</c> and the client's stream options with <c>include_usage</c> forced on.</summary>
    private static void WriteStreamOptions(Utf8JsonWriter json, JsonObject? client)
    {
        json.WriteBoolean("stream", true);
        json.WriteStartObject("stream_options");
        foreach (var (name, value) in client ?? [])
        {
            if (name != "include_usage")
            {
                WriteNode(json, name, value);
            }
        }

        // Without it a streamed answer carries no usage, and unledgered tokens are not guessed.
        json.WriteBoolean("include_usage", true);
        json.WriteEndObject();
    }

    private static void WriteNode(Utf8JsonWriter json, string name, JsonNode? value)
    {
        json.WritePropertyName(name);
        if (value is null)
        {
            json.WriteNullValue();
        }
        else
        {
            value.WriteTo(json);
        }
    }

    private static void WriteMetadata(Utf8JsonWriter json, IReadOnlyDictionary<string, string> metadata)
    {
        json.WriteStartObject("metadata");
        foreach (var (key, value) in metadata)
        {
            json.WriteString(key, value);
        }

        json.WriteEndObject();
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
