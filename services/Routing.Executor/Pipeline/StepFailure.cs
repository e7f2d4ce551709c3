namespace Routing.Executor.Pipeline;

/// <summary>Why a step (or another executor call) was refused or failed; each kind has one gRPC and one HTTP status.</summary>
public enum StepFailureKind
{
    /// <summary>A field is wrong; <see cref="StepFailure.Field"/> names it.</summary>
    Invalid,

    /// <summary>The task is not an open task of the caller's tenant (whether or not someone else has it).</summary>
    NotYourTask,

    /// <summary>The task was opened before with other parameters.</summary>
    Conflict,

    /// <summary>The task is completed, or its ledger is closed or expired.</summary>
    TaskClosed,

    /// <summary>No agent fits the remaining budget; <see cref="StepFailure.RemainingMicros"/> says what is left.</summary>
    BudgetExhausted,

    /// <summary>The budget service did not answer: the step was refused before any money was spent.</summary>
    BudgetUnavailable,

    /// <summary>A step with the same idempotency key is running.</summary>
    InProgress,

    BackendTimeout,

    BackendUnavailable,

    BackendBadResponse,

    BackendRejected,

    /// <summary>The agent refused what the caller sent (<see cref="Routing.Backends.BackendException.CallerFault"/>): fix the request.</summary>
    RequestRejected,

    /// <summary>The idempotency key was first used for another request (another body): use a new key.</summary>
    IdempotencyKeyReused,
}

/// <summary>A refused or failed executor call, with a message a caller can act on.</summary>
public sealed class StepFailure(StepFailureKind kind, string message, string? field = null, long? remainingMicros = null)
    : Exception(message)
{
    public StepFailureKind Kind { get; } = kind;

    /// <summary>The request field at fault, for <see cref="StepFailureKind.Invalid"/>.</summary>
    public string? Field { get; } = field;

    public long? RemainingMicros { get; } = remainingMicros;

    /// <summary>A bad field: the message starts with the field's name.</summary>
    public static StepFailure Invalid(string field, string problem) => new(StepFailureKind.Invalid, $"{field} {problem}", field);

    public static StepFailure NotYourTask(string taskId) =>
        new(StepFailureKind.NotYourTask, $"task_id '{taskId}' is not an open task of your tenant", "task_id");
}
