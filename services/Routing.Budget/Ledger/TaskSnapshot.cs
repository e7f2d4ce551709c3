using StackExchange.Redis;

namespace Routing.Budget.Ledger;

/// <summary>A task's ledger as one script saw it, atomically.</summary>
public sealed record TaskSnapshot(
    string Tenant,
    string TaskId,
    bool Closed,
    long LimitMicros,
    long CommittedMicros,
    long ReservedMicros,
    int? LargeCallCap,
    int LargeCallsCommitted,
    int LargeCallsReserved,
    long OverrunMicros,
    int ReservationsGranted,
    int ReservationsCommitted,
    int ReservationsReleased,
    int ReservationsExpired,
    long OpenedAtMs,
    long ExpiresAtMs,
    int TtlSeconds,
    int ReservationsUnknownOutcome = 0)
{
    /// <summary>Never negative for callers, even when an overrun pushed committed spend past the limit.</summary>
    public long RemainingMicros => Math.Max(0, LimitMicros - CommittedMicros - ReservedMicros);

    public int? LargeCallsLeft => LargeCallCap is { } cap ? Math.Max(0, cap - LargeCallsCommitted - LargeCallsReserved) : null;

    /// <summary>Parses a task as the scripts return it: the values of prelude.lua's TASK_FIELDS, in order.</summary>
    public static TaskSnapshot Parse(string tenant, string taskId, RedisResult reply)
    {
        var values = (RedisResult[])reply!;
        long Long(int index) => (long)values[index];
        int Int(int index) => checked((int)Long(index));
        var cap = Long(4);
        return new TaskSnapshot(
            tenant,
            taskId,
            Closed: (string?)values[0] == "closed",
            LimitMicros: Long(1),
            CommittedMicros: Long(2),
            ReservedMicros: Long(3),
            LargeCallCap: cap < 0 ? null : checked((int)cap),
            LargeCallsCommitted: Int(5),
            LargeCallsReserved: Int(6),
            OverrunMicros: Long(7),
            ReservationsGranted: Int(8),
            ReservationsCommitted: Int(9),
            ReservationsReleased: Int(10),
            ReservationsExpired: Int(11),
            OpenedAtMs: Long(12),
            ExpiresAtMs: Long(13),
            TtlSeconds: checked((int)(Long(14) / 1000)),
            ReservationsUnknownOutcome: Int(16));
    }
}
