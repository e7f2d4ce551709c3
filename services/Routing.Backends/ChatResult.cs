using System.Text.Json;

namespace Routing.Backends;

/// <summary>Tokens a call used, as the backend reported them; the executor commits their cost.</summary>
public readonly record struct ChatUsage(int PromptTokens, int CompletionTokens)
{
    public int TotalTokens => PromptTokens + CompletionTokens;
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
