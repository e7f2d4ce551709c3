using Google.Protobuf.WellKnownTypes;
using Routing.Budget.Ledger;
using Routing.Contracts.Budget.V1;
using Routing.Contracts.Common.V1;

namespace Routing.Budget.Grpc;

/// <summary>Ledger records to wire messages.</summary>
public static class ProtoMapping
{
    public static TaskLedger ToProto(this TaskSnapshot task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var ledger = new TaskLedger
        {
            Tenant = task.Tenant,
            TaskId = task.TaskId,
            State = task.Closed ? TaskState.Closed : TaskState.Open,
            LimitMicros = task.LimitMicros,
            CommittedMicros = task.CommittedMicros,
            ReservedMicros = task.ReservedMicros,
            Budget = task.ToBudgetState(),
            LargeCallsCommitted = task.LargeCallsCommitted,
            LargeCallsReserved = task.LargeCallsReserved,
            OverrunMicros = task.OverrunMicros,
            ReservationsGranted = task.ReservationsGranted,
            ReservationsCommitted = task.ReservationsCommitted,
            ReservationsReleased = task.ReservationsReleased,
            ReservationsExpired = task.ReservationsExpired,
            OpenedAt = FromMs(task.OpenedAtMs),
            ExpiresAt = FromMs(task.ExpiresAtMs),
            TtlSeconds = task.TtlSeconds,
            ReservationsUnknownOutcome = task.ReservationsUnknownOutcome,
        };
        if (task.LargeCallCap is { } cap)
        {
            ledger.LargeCallCap = cap;
        }
        return ledger;
    }

    public static BudgetState ToBudgetState(this TaskSnapshot task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var state = new BudgetState { RemainingMicros = task.RemainingMicros };
        if (task.LargeCallsLeft is { } left)
        {
            state.LargeCallsLeft = left;
        }
        return state;
    }

    public static ReservationState ToProto(this ReservationStatus status) => status switch
    {
        ReservationStatus.Live => ReservationState.Live,
        ReservationStatus.Committed => ReservationState.Committed,
        ReservationStatus.Released => ReservationState.Released,
        _ => ReservationState.Expired,
    };

    public static TenantLedger ToProto(this TenantSnapshot tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return new TenantLedger
        {
            Tenant = tenant.Tenant,
            CeilingMicros = tenant.CeilingMicros,
            WindowSeconds = checked((int)(tenant.WindowMs / 1000)),
            WindowCommittedMicros = tenant.WindowCommittedMicros,
            ReservedMicros = tenant.ReservedMicros,
            RemainingMicros = tenant.RemainingMicros,
        };
    }

    public static Timestamp FromMs(long unixMs) => Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(unixMs));
}
