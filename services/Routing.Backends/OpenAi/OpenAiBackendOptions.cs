using System.ComponentModel.DataAnnotations;

namespace Routing.Backends.OpenAi;

/// <summary>
/// How the OpenAI-compatible HTTP backend calls a model. Section <c>Routing:Backends</c>. One set for every
/// HTTP agent; the retry and circuit-breaker state is kept per backend authority (host and port).
/// </summary>
public sealed class OpenAiBackendOptions
{
    public const string SectionName = "Routing:Backends";

    /// <summary>
    /// Deadline of one call, from sending the request to the last byte of the answer (streamed or not), including
    /// any retry waits. Past it the call fails with <see cref="BackendFailure.Timeout"/> and is never retried: the
    /// backend may be generating (and billing) already.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Request field that carries the call's output cap: <c>max_tokens</c> (vLLM, TGI, most APIs) or
    /// <c>max_completion_tokens</c> (OpenAI's reasoning models refuse <c>max_tokens</c>). Every call is capped:
    /// the executor reserved the cost of exactly that many output tokens.
    /// </summary>
    [RegularExpression("^(max_tokens|max_completion_tokens)$", ErrorMessage = "must be max_tokens or max_completion_tokens")]
    public string MaxTokensField { get; set; } = "max_tokens";

    /// <summary>Time allowed to open a TCP connection; a refused or timed-out connect did no billable work and may be retried.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:05:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Retries after a failure that cannot have been billed (connection refused, HTTP 429 or 503 answered before
    /// any body). 0 disables retries.
    /// </summary>
    [Range(0, 5)]
    public int MaxRetries { get; set; } = 2;

    /// <summary>First backoff when the backend sent no <c>Retry-After</c>; doubles per retry (with jitter).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Longest <c>Retry-After</c> honoured: a backend that asks for a longer wait fails the call as
    /// <see cref="BackendFailure.Unavailable"/> at once, so that the executor can fall back instead of stalling.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Share of failed calls (5xx, 429, connection errors) in the sampling window that opens the circuit.</summary>
    [Range(0.01, 1.0)]
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Fewest calls in the sampling window before the breaker may open.</summary>
    [Range(2, 10_000)]
    public int BreakerMinimumThroughput { get; set; } = 10;

    /// <summary>Window over which the failure ratio is measured.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit fails calls at once before letting one trial call through.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(15);
}
