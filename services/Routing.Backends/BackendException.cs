namespace Routing.Backends;

/// <summary>Why a backend call failed; the executor maps each kind to a status and a metric label.</summary>
public enum BackendFailure
{
    /// <summary>No answer within the timeout.</summary>
    Timeout,

    /// <summary>Connection refused, 5xx, 429 after retries, or the circuit breaker is open.</summary>
    Unavailable,

    /// <summary>The backend answered with something that is not a valid completion (garbage JSON, no usage).</summary>
    BadResponse,

    /// <summary>The backend refused the request (4xx other than 429): retrying will not help.</summary>
    Rejected,
}

/// <summary>A failed backend call. <see cref="MayHaveBeenBilled"/> says whether the backend may have done (and charged for) work.</summary>
public sealed class BackendException(BackendFailure failure, string message, bool mayHaveBeenBilled, Exception? inner = null)
    : Exception(message, inner)
{
    public BackendFailure Failure { get; } = failure;

    public bool MayHaveBeenBilled { get; } = mayHaveBeenBilled;

    /// <summary>
    /// The backend refused what the caller sent (a parameter it does not take, an unknown simulated task, an ended
    /// episode): the caller's mistake, answered as a 4xx, rather than a fault of the backend or of its configuration.
    /// </summary>
    public bool CallerFault { get; init; }

    /// <summary>With <see cref="CallerFault"/>: the request field at fault when it is known (<c>n</c>, <c>messages[2].content[0].type</c>).</summary>
    public string? Field { get; init; }
}
