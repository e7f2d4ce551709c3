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
/// always reaches the ledger, late rather than never.
/// </summary>
public sealed class ParkedCommits
{
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKey _key;

    public ParkedCommits(IConnectionMultiplexer redis, IOptions<ExecutorOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _redis = redis;
        _key = options.Value.KeyPrefix + "parked-commits";
    }

    public async Task ParkAsync(CommitRequest commit)
    {
        ArgumentNullException.ThrowIfNull(commit);
        await _redis.GetDatabase().ListRightPushAsync(_key, Encode(commit));
        ExecutorMetrics.ParkedCommits.Inc();
    }

    public async Task<long> CountAsync() => await _redis.GetDatabase().ListLengthAsync(_key);

    /// <summary>Retries every parked commit once; one the budget service still cannot take goes back. Returns how many were recorded.</summary>
    public async Task<int> RetryAllAsync(BudgetService.BudgetServiceClient budget, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(budget);
        var db = _redis.GetDatabase();
        var recorded = 0;
        for (var left = await db.ListLengthAsync(_key); left > 0; left--)
        {
            var entry = await db.ListLeftPopAsync(_key);
            if (entry.IsNull)
            {
                break;
            }
            var commit = Decode(entry!);
            try
            {
                await budget.CommitAsync(commit, deadline: DateTime.UtcNow.Add(timeout), cancellationToken: cancellationToken);
                recorded++;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled or StatusCode.Internal)
            {
                await db.ListRightPushAsync(_key, entry);
                ExecutorMetrics.BudgetUnavailable.Inc();
                break;
            }
            // Any other answer (not found, a conflicting replay) is final: retrying cannot change it.
        }
        return recorded;
    }

    private static string Encode(CommitRequest commit) =>
        string.Join('\n', commit.Tenant, commit.TaskId, commit.ReservationId, commit.ActualMicros.ToString(CultureInfo.InvariantCulture));

    private static CommitRequest Decode(string entry)
    {
        var parts = entry.Split('\n');
        return new CommitRequest { Tenant = parts[0], TaskId = parts[1], ReservationId = parts[2], ActualMicros = long.Parse(parts[3], CultureInfo.InvariantCulture) };
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
