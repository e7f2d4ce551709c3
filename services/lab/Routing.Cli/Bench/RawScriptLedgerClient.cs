using Routing.Budget.Ledger;
using StackExchange.Redis;

namespace Routing.Cli.Bench;

/// <summary>
/// The baseline: the ledger's own Lua scripts sent straight to Redis with <c>EVALSHA</c>, no gRPC, no
/// validation, no metrics. What the service adds on top is the ratio the benchmark reports.
/// </summary>
public sealed class RawScriptLedgerClient(IConnectionMultiplexer redis, LedgerKeys keys, string tenant) : ILedgerClient
{
    private static readonly LedgerScripts Scripts = LedgerScripts.Instance;
    private readonly string _prefix = keys.TenantPrefix(tenant);

    public string Name => "raw";

    public async Task OpenTaskAsync(string taskId, long limitMicros) =>
        await Scripts.OpenTask.EvaluateAsync(redis.GetDatabase(), keys.ForScript(tenant, keys.Task(tenant, taskId)), [_prefix, limitMicros, -1, 86_400_000L]);

    public async Task<string?> ReserveAsync(string taskId, long amountMicros, string idempotencyKey)
    {
        var reply = (RedisResult[])(await Scripts.Reserve.EvaluateAsync(redis.GetDatabase(),
            keys.ForScript(tenant, keys.Task(tenant, taskId), keys.Reservations(tenant, taskId)),
            [_prefix, taskId, amountMicros, idempotencyKey, 60_000L, 0]))!;
        return (string)reply[0]! == "granted" ? (string)reply[3]! : null;
    }

    public async Task CommitAsync(string taskId, string reservationId, long actualMicros) =>
        await Scripts.Commit.EvaluateAsync(redis.GetDatabase(),
            keys.ForScript(tenant, keys.Task(tenant, taskId), keys.Reservations(tenant, taskId)),
            [_prefix, taskId, reservationId, actualMicros]);

    public async Task<(long Committed, long Reserved)> GetTaskAsync(string taskId)
    {
        var reply = (RedisResult[])(await Scripts.GetTask.EvaluateAsync(redis.GetDatabase(), keys.ForScript(tenant, keys.Task(tenant, taskId)), [_prefix]))!;
        var task = TaskSnapshot.Parse(tenant, taskId, reply[2]);
        return (task.CommittedMicros, task.ReservedMicros);
    }
}
