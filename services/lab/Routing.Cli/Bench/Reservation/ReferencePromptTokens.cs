using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Tokenizers;
using Routing.Backends.Tokenization;

namespace Routing.Cli.Bench.Reservation;

/// <summary>
/// The o200k token counts a GPT-4o backend bills for chat messages, written out from OpenAI's cookbook ("How to count
/// tokens with tiktoken", <c>num_tokens_from_messages</c>) on the JSON the backend receives, independently of the
/// executor's <see cref="ChatPromptTokens"/>, so that the bench and its tests compare the reservation with a reference.
/// </summary>
/// <remarks>
/// The cookbook counts 3 tokens per message, the tokens of every field's value, 1 more for a <c>name</c>, and 3 to
/// prime the reply. An assistant tool call is shown to the model as its function name and arguments (the call id and
/// the JSON around them are not model text), so those two are what is counted for it.
/// </remarks>
public static class ReferencePromptTokens
{
    private static Tokenizer O200k => PromptTokenizers.Get(PromptTokenizers.O200kBase)!;

    /// <summary>The prompt tokens of <paramref name="messages"/> (an OpenAI <c>messages</c> array).</summary>
    public static long Prompt(JsonArray messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        long tokens = 3;
        foreach (var message in messages)
        {
            tokens += 3;
            foreach (var (key, value) in message!.AsObject())
            {
                tokens += key switch
                {
                    "tool_calls" => ToolCalls(value),
                    "name" => 1 + Tokens(value),
                    "content" => Content(value),
                    _ => Tokens(value),
                };
            }
        }

        return tokens;
    }

    /// <summary>The completion tokens of an assistant turn: its text and its tool calls' names and arguments.</summary>
    public static long Completion(JsonNode assistant)
    {
        ArgumentNullException.ThrowIfNull(assistant);
        return Content(assistant["content"]) + ToolCalls(assistant["tool_calls"]);
    }

    private static long ToolCalls(JsonNode? calls)
    {
        long tokens = 0;
        foreach (var call in calls?.AsArray() ?? [])
        {
            tokens += Tokens(call?["function"]?["name"]) + Tokens(call?["function"]?["arguments"]);
        }

        return tokens;
    }

    private static long Content(JsonNode? content) => content switch
    {
        JsonArray parts => parts.Sum(p => Tokens(p?["text"])),
        _ => Tokens(content),
    };

    private static long Tokens(JsonNode? value) =>
        value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? O200k.CountTokens(v.GetValue<string>()) : 0;
}
