using System.Text.Json;
using System.Text.Json.Nodes;
using Routing.Backends;

namespace Routing.Executor.Pipeline;

/// <summary>What the caller observed since its last step; feeds the step features.</summary>
public sealed record StepSignals(
    string Observation = "", bool LastStepFailed = false, bool ErrorObserved = false, bool Retried = false, double? SelfConfidence = null, long? ContextTokens = null,
    int? RetryCount = null)
{
    /// <summary>The last step's retries: the caller's count, else one for <see cref="Retried"/> (the task state caps it, <see cref="Tasks.TaskProgress.MaxRetriesPerStep"/>).</summary>
    public int Retries => RetryCount ?? (Retried ? 1 : 0);

    public static readonly StepSignals None = new();
}

/// <summary>One step as a caller asked for it, before validation (gRPC and HTTP both build one).</summary>
public sealed record StepCommand
{
    public required string TaskId { get; init; }

    public required IReadOnlyList<ChatMessage> Messages { get; init; }

    public JsonElement? Tools { get; init; }

    /// <summary>OpenAI <c>tool_choice</c> (a string or a named function), passed to the backend as sent.</summary>
    public JsonElement? ToolChoice { get; init; }

    /// <summary>0: the configured default, capped by the chosen agent's maximum.</summary>
    public int MaxTokens { get; init; }

    /// <summary>Pinned agent; null routes the step.</summary>
    public string? Agent { get; init; }

    /// <summary>How the caller's protocol names the agent field (<c>agent</c> over gRPC, <c>model</c> over HTTP).</summary>
    public string AgentField { get; init; } = "agent";

    /// <summary>How the caller's protocol names the output cap.</summary>
    public string MaxTokensField { get; init; } = "max_tokens";

    public string? IdempotencyKey { get; init; }

    public double? Temperature { get; init; }

    public bool Logprobs { get; init; }

    public int TopLogprobs { get; init; }

    public double? CostPreference { get; init; }

    public StepSignals Signals { get; init; } = StepSignals.None;

    /// <summary>The client's body to forward as sent but for the fields the executor owns (<see cref="ChatCall.PassThrough"/>); null over gRPC.</summary>
    public JsonObject? PassThrough { get; init; }

    /// <summary>The content parts beyond text, for the input bound.</summary>
    public ContentPartTally ContentParts { get; init; } = ContentPartTally.None;

    /// <summary>
    /// With an idempotency key: a fingerprint of the request (<see cref="Http.RequestFingerprint"/>), stored beside the
    /// key's claim, so that the key reused for another request is refused instead of answered with the first one.
    /// </summary>
    public string? Fingerprint { get; init; }

    /// <summary>
    /// Opens the task when it does not exist yet (an HTTP client that names a new task with its budget in a header);
    /// null: an unknown task is refused. Opening is idempotent, so two first steps of one task racing both succeed.
    /// </summary>
    public Func<CancellationToken, Task>? OpenIfMissing { get; init; }
}
