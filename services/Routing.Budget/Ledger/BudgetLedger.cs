using Routing.Budget.Metrics;
using Routing.ServiceDefaults.Metrics;
using Routing.ServiceDefaults.Redis;
using StackExchange.Redis;

namespace Routing.Budget.Ledger;

/// <summary>
/// The per-task spending ledger on Redis. Every state change is one Lua script, so each call is atomic and
/// the invariant committed + live reservations ≤ limit holds at every instant. Inputs are validated by the
/// caller; Redis failures surface as <see cref="RedisException"/>.
/// </summary>
public sealed class BudgetLedger(IConnectionMultiplexer redis, LedgerKeys keys, TenantLabels tenantLabels)
{
    private static readonly LedgerScripts Scripts = LedgerScripts.Instance;

    public async Task<OpenResult> OpenTaskAsync(string tenant, string taskId, long limitMicros, int? largeCallCap, int ttlSeconds)
    {
        var db = redis.GetDatabase();
        await db.SetAddAsync(keys.Tenants, tenant);
        var reply = await RunAsync(Scripts.OpenTask, keys.ForScript(tenant, keys.Task(tenant, taskId)),
            [keys.TenantPrefix(tenant), limitMicros, largeCallCap ?? -1, ttlSeconds * 1000L]);
        var outcome = Status(reply) switch
        {
            "created" => OpenOutcome.Created,
            "existing" => OpenOutcome.Existing,
            _ => OpenOutcome.Conflict,
        };
        return new OpenResult(outcome, TaskSnapshot.Parse(tenant, taskId, reply[2]));
    }

    /// <param name="commitOnExpiry">The lease's end commits the amount instead of giving it back (a billable call is sent right after the grant).</param>
    public async Task<ReserveResult> ReserveAsync(string tenant, string taskId, long amountMicros, string idempotencyKey, int leaseSeconds, bool large, bool commitOnExpiry = false)
    {
        var reply = await RunAsync(Scripts.Reserve, keys.ForScript(tenant, keys.Task(tenant, taskId), keys.Reservations(tenant, taskId)),
            [keys.TenantPrefix(tenant), taskId, amountMicros, idempotencyKey, leaseSeconds * 1000L, large ? 1 : 0, commitOnExpiry ? 1 : 0]);
        var outcome = Status(reply) switch
        {
            "granted" => ReserveOutcome.Granted,
            "replayed" => ReserveOutcome.Replayed,
            "refused_task" => ReserveOutcome.RefusedTaskLimit,
            "refused_tenant" => ReserveOutcome.RefusedTenantCeiling,
            "refused_large" => ReserveOutcome.RefusedLargeCallCap,
            "idem_conflict" => ReserveOutcome.IdempotencyConflict,
            "closed" => ReserveOutcome.TaskClosed,
            _ => ReserveOutcome.NoTask,
        };
        BudgetMetrics.Reservations.WithLabels(ReserveMetricLabel(outcome)).Inc();
        return new ReserveResult(
            outcome,
            Snapshot(tenant, taskId, reply),
            reply.Length > 3 ? (string)reply[3]! : "",
            reply.Length > 4 ? (long)reply[4] : 0,
            reply.Length > 5 ? (long)reply[5] : 0);
    }

    /// <param name="unknownOutcome">The caller does not know what the call cost and commits the most it can have cost; a later known commit corrects it once.</param>
    public async Task<CommitResult> CommitAsync(string tenant, string taskId, string reservationId, long actualMicros, bool unknownOutcome = false)
    {
        var reply = await RunAsync(Scripts.Commit, keys.ForScript(tenant, keys.Task(tenant, taskId), keys.Reservations(tenant, taskId)),
            [keys.TenantPrefix(tenant), taskId, reservationId, actualMicros, unknownOutcome ? 1 : 0]);
        var status = Status(reply);
        var task = Snapshot(tenant, taskId, reply);
        switch (status)
        {
            case "committed":
                var previous = ParseStatus((string)reply[3]!);
                var overrun = (long)reply[4];
                BudgetMetrics.CommittedMicros.WithLabels(tenantLabels.For(tenant)).Inc(actualMicros);
                if (overrun > 0)
                {
                    BudgetMetrics.Overruns.WithLabels(previous == ReservationStatus.Live ? "above_reservation" : "after_lease").Inc();
                    BudgetMetrics.OverrunMicros.Inc(overrun);
                }
                return new CommitResult(CommitOutcome.Committed, task, previous, overrun, actualMicros);
            case "replayed":
                return new CommitResult(CommitOutcome.Replayed, task, ParseStatus((string)reply[3]!), (long)reply[4], actualMicros);
            case "commit_conflict":
                return new CommitResult(CommitOutcome.ConflictingActual, task, ReservationStatus.Committed, 0, (long)reply[3]);
            case "released":
                return new CommitResult(CommitOutcome.AlreadyReleased, task, ReservationStatus.Released, 0, 0);
            case "no_reservation":
                return new CommitResult(CommitOutcome.NoReservation, task, ReservationStatus.Live, 0, 0);
            default:
                return new CommitResult(CommitOutcome.NoTask, null, ReservationStatus.Live, 0, 0);
        }
    }

    public async Task<ReleaseResult> ReleaseAsync(string tenant, string taskId, string reservationId)
    {
        var reply = await RunAsync(Scripts.Release, keys.ForScript(tenant, keys.Task(tenant, taskId), keys.Reservations(tenant, taskId)),
            [keys.TenantPrefix(tenant), taskId, reservationId]);
        var outcome = Status(reply) switch
        {
            "released" => ReleaseOutcome.Released,
            "replayed" => ReleaseOutcome.Replayed,
            "committed" => ReleaseOutcome.AlreadyCommitted,
            "no_reservation" => ReleaseOutcome.NoReservation,
            _ => ReleaseOutcome.NoTask,
        };
        var previous = reply.Length > 3 ? ParseStatus((string)reply[3]!) : ReservationStatus.Live;
        return new ReleaseResult(outcome, Snapshot(tenant, taskId, reply), previous);
    }

    public async Task<TaskSnapshot?> GetTaskAsync(string tenant, string taskId)
    {
        var reply = await RunAsync(Scripts.GetTask, keys.ForScript(tenant, keys.Task(tenant, taskId)), [keys.TenantPrefix(tenant)]);
        return Snapshot(tenant, taskId, reply);
    }

    public async Task<CloseResult> CloseTaskAsync(string tenant, string taskId)
    {
        var reply = await RunAsync(Scripts.CloseTask, keys.ForScript(tenant, keys.Task(tenant, taskId), keys.Reservations(tenant, taskId)),
            [keys.TenantPrefix(tenant), taskId]);
        var outcome = Status(reply) switch
        {
            "closed" => CloseOutcome.Closed,
            "already_closed" => CloseOutcome.AlreadyClosed,
            _ => CloseOutcome.NoTask,
        };
        return new CloseResult(outcome, Snapshot(tenant, taskId, reply));
    }

    /// <param name="ceilingMicros">Null reads the tenant without changing it; 0 removes the ceiling.</param>
    public async Task<TenantSnapshot> TenantAsync(string tenant, long? ceilingMicros, int windowSeconds)
    {
        var prefix = keys.TenantPrefix(tenant);
        var reply = (RedisResult[])(await TimedAsync(Scripts.Tenant, keys.ForScript(tenant),
            [prefix, ceilingMicros ?? -1, windowSeconds * 1000L]))!;
        BudgetMetrics.LeaseExpiries.Inc((long)reply[4]);
        return new TenantSnapshot(tenant, (long)reply[0], (long)reply[1], (long)reply[2], (long)reply[3]);
    }

    /// <summary>Reclaims expired leases of every tenant; returns how many.</summary>
    public async Task<long> SweepExpiredLeasesAsync(int batchSize, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        long total = 0;
        foreach (var tenant in await db.SetMembersAsync(keys.Tenants))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var prefix = keys.TenantPrefix(tenant!);
            long reclaimed;
            do
            {
                reclaimed = (long)await TimedAsync(Scripts.Sweep, keys.ForScript(tenant!), [prefix, batchSize]);
                total += reclaimed;
            }
            while (reclaimed == batchSize && !cancellationToken.IsCancellationRequested);
        }
        BudgetMetrics.LeaseExpiries.Inc(total);
        return total;
    }

    private async Task<RedisResult[]> RunAsync(RedisScript script, RedisKey[] scriptKeys, RedisValue[] args)
    {
        var reply = (RedisResult[])(await TimedAsync(script, scriptKeys, args))!;
        BudgetMetrics.LeaseExpiries.Inc((long)reply[1]);
        return reply;
    }

    private Task<RedisResult> TimedAsync(RedisScript script, RedisKey[] scriptKeys, RedisValue[] args) =>
        script.EvaluateAsync(redis.GetDatabase(), scriptKeys, args, BudgetMetrics.ScriptDuration);

    private static string Status(RedisResult[] reply) => (string)reply[0]!;

    private static TaskSnapshot? Snapshot(string tenant, string taskId, RedisResult[] reply) =>
        ((RedisResult[])reply[2]!).Length == 0 ? null : TaskSnapshot.Parse(tenant, taskId, reply[2]);

    private static ReservationStatus ParseStatus(string state) => state switch
    {
        "live" => ReservationStatus.Live,
        "committed" => ReservationStatus.Committed,
        "released" => ReservationStatus.Released,
        _ => ReservationStatus.Expired,
    };

    private static string ReserveMetricLabel(ReserveOutcome outcome) => outcome switch
    {
        ReserveOutcome.Granted => "granted",
        ReserveOutcome.Replayed => "replayed",
        ReserveOutcome.RefusedTaskLimit => "refused_task_limit",
        ReserveOutcome.RefusedTenantCeiling => "refused_tenant_ceiling",
        ReserveOutcome.RefusedLargeCallCap => "refused_large_call_cap",
        _ => "rejected",
    };
}
