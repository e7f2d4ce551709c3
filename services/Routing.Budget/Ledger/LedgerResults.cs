namespace Routing.Budget.Ledger;

public enum ReservationStatus
{
    Live,
    Committed,
    Released,
    Expired,
}

public enum OpenOutcome
{
    Created,
    Existing,
    Conflict,
}

public enum ReserveOutcome
{
    Granted,
    Replayed,
    RefusedTaskLimit,
    RefusedTenantCeiling,
    RefusedLargeCallCap,
    IdempotencyConflict,
    TaskClosed,
    NoTask,
}

public enum CommitOutcome
{
    Committed,
    Replayed,
    ConflictingActual,
    AlreadyReleased,
    NoTask,
    NoReservation,
}

public enum ReleaseOutcome
{
    Released,
    Replayed,
    AlreadyCommitted,
    NoTask,
    NoReservation,
}

public enum CloseOutcome
{
    Closed,
    AlreadyClosed,
    NoTask,
}

public sealed record OpenResult(OpenOutcome Outcome, TaskSnapshot Task);

/// <param name="RemainingMicros">After a grant: what the task had left right after it. After a refusal: what
/// the refusing limit (task or tenant) has left.</param>
/// <param name="ReservationId">Set on grants and replays, and on an idempotency conflict (the earlier one).</param>
public sealed record ReserveResult(
    ReserveOutcome Outcome,
    TaskSnapshot? Task,
    string ReservationId,
    long LeaseExpiresAtMs,
    long RemainingMicros);

/// <param name="RecordedActualMicros">On a conflicting retry: the actual amount recorded by the first commit.</param>
public sealed record CommitResult(
    CommitOutcome Outcome,
    TaskSnapshot? Task,
    ReservationStatus PreviousStatus,
    long OverrunMicros,
    long RecordedActualMicros);

public sealed record ReleaseResult(ReleaseOutcome Outcome, TaskSnapshot? Task, ReservationStatus PreviousStatus);

public sealed record CloseResult(CloseOutcome Outcome, TaskSnapshot? Task);

public sealed record TenantSnapshot(string Tenant, long CeilingMicros, long WindowMs, long WindowCommittedMicros, long ReservedMicros)
{
    public long RemainingMicros => CeilingMicros == 0 ? 0 : Math.Max(0, CeilingMicros - WindowCommittedMicros - ReservedMicros);
}
