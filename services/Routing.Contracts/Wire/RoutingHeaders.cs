namespace Routing.Contracts.Wire;

/// <summary>
/// Headers of Routing's HTTP endpoints (OpenAI, Responses and Anthropic APIs) beyond those APIs' own, and the one the
/// executor sends a backend: defined once for the executor, the backends, the simulator server and the benches.
/// </summary>
public static class RoutingHeaders
{
    /// <summary>
    /// The task the step belongs to. A task not open yet is opened by its first step, with <see cref="BudgetMicros"/>
    /// or the tenant's default task budget; without the header a request is a one-step task of its own when the
    /// tenant has a default per-request budget.
    /// </summary>
    public const string TaskId = "X-Routing-Task-Id";

    /// <summary>Optional: the limit, in µ$, of the task <see cref="TaskId"/> names if this step opens it (ignored for an open task).</summary>
    public const string BudgetMicros = "X-Routing-Budget-Micros";

    /// <summary>Optional with <see cref="BudgetMicros"/>: the task's cap on large-model calls.</summary>
    public const string LargeCallCap = "X-Routing-Large-Call-Cap";

    /// <summary>On a response: "true" when it replays the stored answer of an earlier request with the same idempotency key.</summary>
    public const string Replay = "X-Routing-Replay";

    /// <summary>Optional: a retry with the same key replays the first answer instead of spending again.</summary>
    public const string IdempotencyKey = "Idempotency-Key";

    /// <summary>Optional cost preference λ ≥ 0 for the step's routing decision.</summary>
    public const string CostPreference = "X-Routing-Cost-Preference";

    /// <summary>Optional: the caller's own count of the call's context tokens (<c>signals.context_tokens</c> over gRPC).</summary>
    public const string ContextTokens = "X-Routing-Context-Tokens";

    /// <summary>Optional: how often the last tool call was retried (<c>signals.retry_count</c> over gRPC).</summary>
    public const string RetryCount = "X-Routing-Retry-Count";

    public const string Agent = "X-Routing-Agent";

    public const string CostMicros = "X-Routing-Cost-Micros";

    public const string RemainingMicros = "X-Routing-Remaining-Micros";

    /// <summary>The model value that asks the executor to route the step (any agent name pins it instead).</summary>
    public const string RoutedModel = "auto";
}
