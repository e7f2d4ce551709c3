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
    int TtlSeconds)
{
    /// <summary>Never negative for callers, even when an overrun pushed committed spend past the limit.</summary>
    public long RemainingMicros => Math.Max(0, LimitMicros - CommittedMicros - ReservedMicros);

    public int? LargeCallsLeft => LargeCallCap is { } cap ? Math.Max(0, cap - LargeCallsCommitted - LargeCallsReserved) : null;

    /// <summary>Parses the flat HGETALL array the scripts return.</summary>
    public static TaskSnapshot Parse(string tenant, string taskId, RedisResult flat)
    {
        var items = (RedisResult[])flat!;
        var fields = new Dictionary<string, string>(items.Length / 2, StringComparer.Ordinal);
        for (var i = 0; i + 1 < items.Length; i += 2)
        {
            fields[(string)items[i]!] = (string)items[i + 1]!;
        }

        long Long(string name) => fields.TryGetValue(name, out var value) ? long.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        int Int(string name) => checked((int)Long(name));
        var cap = Long("large_cap");
        return new TaskSnapshot(
            tenant,
            taskId,
            Closed: fields.TryGetValue("state", out var state) && state == "closed",
            LimitMicros: Long("limit"),
            CommittedMicros: Long("committed"),
            ReservedMicros: Long("reserved"),
            LargeCallCap: cap < 0 ? null : checked((int)cap),
            LargeCallsCommitted: Int("large_committed"),
            LargeCallsReserved: Int("large_reserved"),
            OverrunMicros: Long("overrun"),
            ReservationsGranted: Int("n_granted"),
            ReservationsCommitted: Int("n_committed"),
            ReservationsReleased: Int("n_released"),
            ReservationsExpired: Int("n_expired"),
            OpenedAtMs: Long("opened_ms"),
            ExpiresAtMs: Long("expires_ms"),
            TtlSeconds: checked((int)(Long("ttl_ms") / 1000)));
    }
}
