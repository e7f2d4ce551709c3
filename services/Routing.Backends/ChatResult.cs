using System.Text.Json;

namespace Routing.Backends;

/// <summary>Tokens a call used, as the backend reported them; the executor commits their cost.</summary>
/// <param name="PromptTokens">Every input token of the call, cached and cache-written ones included.</param>
/// <param name="CompletionTokens">Output tokens; for OpenAI reasoning models this includes the reasoning tokens.</param>
public readonly record struct ChatUsage(int PromptTokens, int CompletionTokens)
{
    public int TotalTokens => PromptTokens + CompletionTokens;

    /// <summary>
    /// Input tokens read from the provider's prompt cache (OpenAI <c>prompt_tokens_details.cached_tokens</c>,
    /// Anthropic <c>cache_read_input_tokens</c>); part of <see cref="PromptTokens"/>, billed at the cached-input price.
    /// </summary>
    public int CachedPromptTokens { get; init; }

    /// <summary>Input tokens written to the prompt cache (Anthropic <c>cache_creation_input_tokens</c>); part of <see cref="PromptTokens"/>.</summary>
    public int CacheWritePromptTokens { get; init; }

    /// <summary>Reasoning tokens the backend reported (<c>completion_tokens_details.reasoning_tokens</c>); billed as output.</summary>
    public int ReasoningTokens { get; init; }

    /// <summary>
    /// True when <see cref="ReasoningTokens"/> are not counted in <see cref="CompletionTokens"/> (the backend's
    /// <c>total_tokens</c> added them on top, as some OpenAI-compatible servers do); OpenAI itself counts them inside.
    /// </summary>
    public bool ReasoningOutsideCompletion { get; init; }

    /// <summary>Output tokens to bill: the completion, and the reasoning where the backend counted it apart.</summary>
    public long BilledOutputTokens => Math.Max(0, (long)CompletionTokens) + (ReasoningOutsideCompletion ? Math.Max(0, ReasoningTokens) : 0);
}

/// <summary>Log-probability of one generated token and, when asked for, its most likely alternatives.</summary>
public sealed record TokenLogprob(string Token, double Logprob, IReadOnlyList<TopLogprob> TopLogprobs);

/// <summary>One alternative token at a position.</summary>
public readonly record struct TopLogprob(string Token, double Logprob);

/// <summary>A finished, non-streamed completion.</summary>
/// <param name="Content">The assistant text.</param>
/// <param name="FinishReason">stop, length, tool_calls or content_filter, as the backend said.</param>
/// <param name="Usage">Reported usage. A backend that reports none fails the call: unledgered tokens are not guessed.</param>
/// <param name="Logprobs">Per-token log-probs when requested and returned; null when the backend returned none.</param>
/// <param name="ToolCalls">Tool calls as the raw OpenAI JSON array, if any.</param>
/// <param name="BackendModel">The model name the backend reported.</param>
public sealed record ChatResult(
    string Content,
    string FinishReason,
    ChatUsage Usage,
    IReadOnlyList<TokenLogprob>? Logprobs,
    JsonElement? ToolCalls,
    string BackendModel);

/// <summary>
/// One streamed piece. Content deltas come first; the last chunk carries <see cref="FinishReason"/> and
/// <see cref="Usage"/> (the backend is asked for usage in the stream).
/// </summary>
public sealed record ChatChunk(string ContentDelta, IReadOnlyList<TokenLogprob>? Logprobs, string? FinishReason, ChatUsage? Usage)
{
    /// <summary>This chunk's tool-call deltas as the raw OpenAI JSON array (<c>delta.tool_calls</c>), passed through untouched; null when none.</summary>
    public JsonElement? ToolCallDeltas { get; init; }
}
