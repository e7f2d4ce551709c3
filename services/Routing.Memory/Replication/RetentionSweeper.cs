using Microsoft.Extensions.Options;
using Routing.Memory.Index;
using Routing.Memory.Metrics;
using Routing.Memory.Options;
using Routing.Memory.Storage;
using StackExchange.Redis;

namespace Routing.Memory.Replication;

/// <summary>
/// Removes auctions older than <see cref="MemoryOptions.RecordTtlSeconds"/> from Redis and tells every replica
/// through the change log. Safe on every replica at once: each removal is one script, and a removed auction
/// is not removed twice. Retrieval also ignores expired auctions between sweeps.
/// </summary>
public sealed class RetentionSweeper(
    AuctionStore store, MemoryIndex index, IndexSynchronizer synchronizer, IOptions<MemoryOptions> options, TimeProvider time,
    ILogger<RetentionSweeper> logger) : BackgroundService
{
    private const int Batch = 500;

    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var ttlMs = options.Value.RecordTtlSeconds * 1000L;
        if (ttlMs == 0)
        {
            return 0;
        }
        var cutoff = time.GetUtcNow().ToUnixTimeMilliseconds() - ttlMs;
        var total = 0;
        foreach (var tenant in await store.TenantsAsync())
        {
            IReadOnlyList<(string AuctionId, long Sequence)> removed;
            do
            {
                cancellationToken.ThrowIfCancellationRequested();
                removed = await store.ExpireAsync(tenant, cutoff, Batch);
                synchronizer.ApplyLocalRemovals(tenant, removed);
                MemoryMetrics.Evictions.WithLabels("ttl").Inc(removed.Count);
                total += removed.Count;
            }
            while (removed.Count == Batch);
        }
        return total;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.RecordTtlSeconds == 0)
        {
            return;
        }
        await index.WhenReady.WaitAsync(stoppingToken);
        var interval = TimeSpan.FromSeconds(options.Value.SweepIntervalSeconds);
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var removed = await SweepAsync(stoppingToken);
                if (removed > 0)
                {
                    logger.LogInformation("Expired {Count} auctions", removed);
                }
            }
            catch (RedisException exception)
            {
                logger.LogWarning(exception, "Expiry sweep failed; retrying in {Interval}", interval);
            }
        }
    }
}
