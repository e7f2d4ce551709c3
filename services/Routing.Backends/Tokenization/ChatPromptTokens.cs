using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace Routing.Backends.Tokenization;

/// <summary>
/// Prompt tokens of a chat-completions call on a model with a known tiktoken encoding, counted so that the result is
/// never below what the backend bills: the text exactly, plus the chat format's framing as OpenAI documents it, plus
/// a margin where the format is not documented (tools).
/// </summary>
/// <remarks>
/// Framing from OpenAI's cookbook "How to count tokens with tiktoken" (gpt-4o and gpt-4 family): every message costs
/// 3 tokens besides its role and content, a <c>name</c> 1 more, and every reply is primed with 3. Tool definitions are
/// rendered by OpenAI into a TypeScript-like namespace whose tokens are not published; their JSON text is longer
/// than that rendering (quotes, braces, <c>"type":"object","properties"</c> for every schema), and the cookbook's
/// own constants (7 per function, 12 for the namespace) are added on top, so the count stays an upper bound.
/// Text that contains a special-token spelling (<c>&lt;|endoftext|&gt;</c>) is counted as its UTF-8 bytes: the API
/// encodes it as ordinary text, which a tokenizer honouring special tokens would under-count, and bytes bound every
/// byte-level BPE encoding.
/// </remarks>
public static class ChatPromptTokens
{
    /// <summary>Tokens of each message's framing (<c>&lt;|start|&gt;</c>, separator, <c>&lt;|end|&gt;</c>).</summary>
    public const int PerMessage = 3;

    /// <summary>Extra token of a message with a <c>name</c>.</summary>
    public const int PerName = 1;

    /// <summary>The assistant header every reply is primed with.</summary>
    public const int ReplyPriming = 3;

    /// <summary>Cookbook constant per function definition (gpt-4o's <c>func_init</c>).</summary>
    public const int PerFunction = 7;

    /// <summary>Cookbook constant closing the functions namespace (gpt-4o's <c>func_end</c>).</summary>
    public const int ToolsFraming = 12;

    /// <summary>The prompt tokens of <paramref name="messages"/> and <paramref name="tools"/> on <paramref name="tokenizer"/>, as an upper bound.</summary>
    public static long Count(Tokenizer tokenizer, IReadOnlyList<ChatMessage> messages, JsonElement? tools)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(messages);
        long tokens = ReplyPriming;
        foreach (var message in messages)
        {
            tokens += PerMessage + Text(tokenizer, message.Role) + Text(tokenizer, message.Content);
            if (message.Name is { } name)
            {
                tokens += PerName + Text(tokenizer, name);
            }

            if (message.ToolCallId is { } callId)
            {
                tokens += Text(tokenizer, callId);
            }

            if (message.ToolCalls is { } calls)
            {
                tokens += Text(tokenizer, calls.GetRawText());
            }
        }

        if (tools is { ValueKind: JsonValueKind.Array } list && list.GetArrayLength() > 0)
        {
            tokens += ToolsFraming + ((long)PerFunction * list.GetArrayLength()) + Text(tokenizer, list.GetRawText());
        }

        return tokens;
    }

    /// <summary>Tokens of one piece of text; see the remarks for text that spells a special token.</summary>
    public static long Text(Tokenizer tokenizer, string text)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            return 0;
        }

        return text.Contains("<|", StringComparison.Ordinal) ? Encoding.UTF8.GetByteCount(text) : tokenizer.CountTokens(text);
    }
}
