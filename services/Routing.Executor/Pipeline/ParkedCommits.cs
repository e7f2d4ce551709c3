using System.Globalization;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Routing.Contracts.Budget.V1;
using Routing.Executor.Metrics;
using Routing.Executor.Options;
using StackExchange.Redis;

namespace Routing.Executor.Pipeline;

/// <summary>
/// Commits that failed after the backend was paid. They are parked in Redis (a list, so every executor replica
/// can drain it) and retried by <see cref="ParkedCommitRetrier"/> until the budget service records them. A commit
/// that arrives after its lease ran out is still recorded by the budget service (as an overrun), so parked spend
/// always reaches the ledger, late rather than never. A retried entry moves to a processing list first (LMOVE) and
/// leaves it only once the budget service answered: an executor that dies mid-retry leaves it there, and the next
/// drain (any replica's) commits it again, which the ledger answers as a replay (commits are idempotent by
/// reservation id). Both lists share a hash tag, so LMOVE also runs on a Redis cluster.
/// </summary>
public sealed class ParkedCommits
{
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKey _key;
    private readonly RedisKey _processing;

    /// <summary>The list of executors from before the processing list (no hash tag); drained in place.</summary>
    private readonly RedisKey _legacy;

    public ParkedCommits(IConnectionMultiplexer redis, IOptions<ExecutorOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _redis = redis;
        _key = options.Value.KeyPrefix + "{parked}:commits";
        _processing = options.Value.KeyPrefix + "{parked}:processing";
        _legacy = options.Value.KeyPrefix + "parked-commits";
    }

    public async Task ParkAsync(CommitRequest commit)
    {
        ArgumentNullException.ThrowIfNull(commit);
        await _redis.GetDatabase().ListRightPushAsync(_key, Encode(commit));
        ExecutorMetrics.ParkedCommits.Inc();
    }

    /// <summary>Commits not yet recorded: parked, being retried, or left by an executor that died retrying them.</summary>
    public async Task<long> CountAsync()
    {
        var db = _redis.GetDatabase();
        return await db.ListLengthAsync(_key) + await db.ListLengthAsync(_processing) + await db.ListLengthAsync(_legacy);
    }

    /// <summary>
    /// Retries every parked commit once: first those a retry left in the processing list (and the legacy list), then
    /// the parked ones, each moved to the processing list before its commit. Stops at the first the budget service
    /// cannot take (it stays where it is). Returns how many were recorded.
    /// </summary>
    public async Task<int> RetryAllAsync(BudgetService.BudgetServiceClient budget, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(budget);
        var db = _redis.GetDatabase();
        var recorded = 0;
        foreach (var list in new[] { _processing, _legacy })
        {
            foreach (var entry in await db.ListRangeAsync(list))
            {
                var outcome = await CommitAsync(budget, entry!, timeout, cancellationToken);
                if (outcome is null)
                {
                    return recorded;
                }
                await db.ListRemoveAsync(list, entry, 1);
                recorded += outcome.Value ? 1 : 0;
            }
        }
        for (var left = await db.ListLengthAsync(_key); left > 0; left--)
        {
            var entry = await db.ListMoveAsync(_key, _processing, ListSide.Left, ListSide.Right);
            if (entry.IsNull)
            {
                break;
            }
            var outcome = await CommitAsync(budget, entry!, timeout, cancellationToken);
            if (outcome is null)
            {
                // The budget service is away: back to the parked list's head, in order.
                await db.ListMoveAsync(_processing, _key, ListSide.Right, ListSide.Left);
                break;
            }
            await db.ListRemoveAsync(_processing, entry, 1);
            recorded += outcome.Value ? 1 : 0;
        }
        return recorded;
    }

    /// <summary>True recorded; false a final refusal (not found, a conflicting replay: retrying cannot change it); null the budget service is away.</summary>
    private static async Task<bool?> CommitAsync(BudgetService.BudgetServiceClient budget, string entry, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await budget.CommitAsync(Decode(entry), deadline: DateTime.UtcNow.Add(timeout), cancellationToken: cancellationToken);
            return true;
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled or StatusCode.Internal)
        {
            ExecutorMetrics.BudgetUnavailable.Inc();
            return null;
        }
        catch (RpcException)
        {
            return false;
        }
    }

    private static string Encode(CommitRequest commit) =>
        string.Join('\n', commit.Tenant, commit.TaskId, commit.ReservationId, commit.ActualMicros.ToString(CultureInfo.InvariantCulture), commit.UnknownOutcome ? "unknown" : "known");

    private static CommitRequest Decode(string entry)
    {
        var parts = entry.Split('\n');
        return new CommitRequest
        {
            Tenant = parts[0],
            TaskId = parts[1],
            ReservationId = parts[2],
            ActualMicros = long.Parse(parts[3], CultureInfo.InvariantCulture),
            // Entries parked before the flag existed have four parts.
            UnknownOutcome = parts.Length > 4 && parts[4] == "unknown",
        };
    }
}

/// <summary>Drains <see cref="ParkedCommits"/> every couple of seconds.</summary>
public sealed class ParkedCommitRetrier(ParkedCommits parked, ServiceClients clients, IOptions<ExecutorOptions> options, ILogger<ParkedCommitRetrier> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var recorded = await parked.RetryAllAsync(clients.Budget, TimeSpan.FromMilliseconds(options.Value.BudgetTimeoutMilliseconds), stoppingToken);
                if (recorded > 0)
                {
                    logger.LogInformation("Recorded {Count} parked commits", recorded);
                }
                // What is left for the next pass: a backlog that grows means the budget service keeps refusing.
                ExecutorMetrics.ParkedCommitsPending.Set(await parked.CountAsync());
            }
            catch (RedisException e)
            {
                logger.LogWarning(e, "Parked commits could not be read; retrying later");
            }
        }
    }
}
