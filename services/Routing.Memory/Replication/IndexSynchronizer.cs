using System.Diagnostics;
using Microsoft.Extensions.Options;
using Routing.Memory.Index;
using Routing.Memory.Metrics;
using Routing.Memory.Options;
using Routing.Memory.Storage;
using Routing.ServiceDefaults.Metrics;
using StackExchange.Redis;

namespace Routing.Memory.Replication;

/// <summary>
/// Keeps this replica's index equal to Redis: loads every tenant at start, then every
/// <see cref="MemoryOptions.ChangePollMilliseconds"/> reads which tenants were announced since its tick and applies
/// each such tenant's change log (a sorted set by the tenant's sequence) in order. A replica that finds a gap (the
/// tenant's log was trimmed past its position) loads that tenant again. Every <see cref="SweepInterval"/> it reads
/// every tenant's log regardless, for a write whose writer died before announcing it.
/// <para>
/// Per-tenant logs so that each write script stays on its tenant's Redis Cluster slot; the global tick is written
/// by its own small script after the tenant's. Sorted sets rather than Redis streams: StackExchange.Redis cannot
/// block on XREAD over its shared connection, so a stream would be polled too, and the embedded Garnet server that
/// <c>routing up</c> and the local tests use has no stream commands.
/// </para>
/// </summary>
public sealed class IndexSynchronizer(
    AuctionStore store, MemoryIndex index, IOptions<MemoryOptions> options, TenantLabels tenantLabels, TimeProvider time,
    ILogger<IndexSynchronizer> logger) : BackgroundService
{
    /// <summary>How often every tenant's log is read even without an announcement.</summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(30);

    private const int ChangesPerPoll = 2_000;
    private readonly MemoryOptions _options = options.Value;

    /// <summary>Applies a write this replica just made, so that its own caller reads it back at once.</summary>
    public void ApplyLocal(string tenant, VectorSpaceId space, IndexedAuction auction, IReadOnlyList<(string AuctionId, long Sequence)> evicted)
    {
        ArgumentNullException.ThrowIfNull(auction);
        ArgumentNullException.ThrowIfNull(evicted);
        lock (index.ApplyLock)
        {
            // Already past this write in the log: the log applied it (and possibly a later eviction of it).
            if (index.PositionOf(tenant) >= auction.Sequence)
            {
                return;
            }
            var tenantIndex = index.GetOrAdd(tenant, space);
            tenantIndex.Upsert(auction);
            foreach (var (id, sequence) in evicted)
            {
                tenantIndex.Remove(id, sequence);
            }
        }
    }

    /// <summary>Applies removals this replica just made (evictions, expiry).</summary>
    public void ApplyLocalRemovals(string tenant, IReadOnlyList<(string AuctionId, long Sequence)> removed)
    {
        ArgumentNullException.ThrowIfNull(removed);
        lock (index.ApplyLock)
        {
            if (index.Find(tenant) is { } tenantIndex)
            {
                foreach (var (id, sequence) in removed)
                {
                    tenantIndex.Remove(id, sequence);
                }
            }
        }
    }

    /// <summary>Loads every tenant from Redis into a fresh index and swaps it in.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        // Read the tick first: tenants announced while loading are caught up again afterwards (idempotently).
        var tick = await store.ChangeTickAsync();
        var tenants = new List<TenantIndex>();
        var positions = new Dictionary<string, long>(StringComparer.Ordinal);
        var records = 0L;
        foreach (var tenant in await store.TenantsAsync())
        {
            var (tenantIndex, position) = await ReadTenantAsync(tenant, cancellationToken);
            positions[tenant] = position;
            if (tenantIndex is not null)
            {
                tenants.Add(tenantIndex);
                records += tenantIndex.Count;
            }
        }
        lock (index.ApplyLock)
        {
            index.Replace(tenants, positions, tick);
        }
        var elapsed = Stopwatch.GetElapsedTime(started);
        MemoryMetrics.RebuildDuration.Observe(elapsed.TotalSeconds);
        logger.LogInformation("Loaded {Records} auctions of {Tenants} tenants in {Elapsed} ms", records, tenants.Count, (long)elapsed.TotalMilliseconds);
        await CatchUpAsync(cancellationToken);
    }

    /// <summary>Applies the logs of every tenant announced past this replica's tick; returns how many changes it applied.</summary>
    public async Task<int> CatchUpAsync(CancellationToken cancellationToken)
    {
        var changed = await store.ChangedTenantsAsync(index.AppliedTick);
        var total = 0;
        foreach (var (tenant, _) in changed)
        {
            total += await CatchUpTenantAsync(tenant, cancellationToken);
        }
        if (changed.Length > 0)
        {
            // Only once every announced tenant was caught up: a failure above retries them all next time.
            index.AppliedTick = Math.Max(index.AppliedTick, changed.Max(c => c.Tick));
            MemoryMetrics.AppliedChange.Set(index.AppliedTick);
        }
        return total;
    }

    /// <summary>Applies every tenant's log, announced or not; returns how many changes it applied.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        foreach (var tenant in await store.TenantsAsync())
        {
            total += await CatchUpTenantAsync(tenant, cancellationToken);
        }
        return total;
    }

    private async Task<int> CatchUpTenantAsync(string tenant, CancellationToken cancellationToken)
    {
        var total = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var position = index.PositionOf(tenant);
            var changes = await store.ChangesAfterAsync(tenant, position, ChangesPerPoll);
            if (changes.Count == 0)
            {
                break;
            }
            if (changes[0].Sequence != position + 1)
            {
                logger.LogWarning("Change log of a tenant was trimmed past this replica (at {Position}, log starts at {First}); reloading it", position, changes[0].Sequence);
                var (reloaded, reloadedAt) = await ReadTenantAsync(tenant, cancellationToken);
                lock (index.ApplyLock)
                {
                    index.ReplaceTenant(tenant, reloaded, reloadedAt);
                }
                total += changes.Count;
                continue;
            }
            var fetched = await FetchAddedAsync(changes);
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            lock (index.ApplyLock)
            {
                foreach (var change in changes)
                {
                    if (change.Added)
                    {
                        if (fetched.TryGetValue((change.Tenant, change.AuctionId), out var auction) && auction.Sequence == change.Sequence)
                        {
                            var space = VectorSpaceId.ForCaller(auction.Vector.Length);
                            var tenantIndex = index.Find(change.Tenant) ?? index.GetOrAdd(change.Tenant, auction.Space ?? space);
                            if (auction.Vector.Length == tenantIndex.Dimension && tenantIndex.Upsert(
                                new IndexedAuction(auction.AuctionId, auction.Vector, auction.Agents, auction.CreatedMs, auction.Sequence)))
                            {
                                MemoryMetrics.ReplicationLag.Observe(Math.Max(0, now - auction.CreatedMs) / 1000.0);
                            }
                        }
                    }
                    else
                    {
                        index.Find(change.Tenant)?.Remove(change.AuctionId, change.Sequence);
                    }
                    index.SetPosition(tenant, change.Sequence);
                }
            }
            total += changes.Count;
            if (changes.Count < ChangesPerPoll)
            {
                break;
            }
        }
        return total;
    }

    /// <summary>One tenant as Redis holds it, and the position of its log the reading started from.</summary>
    private async Task<(TenantIndex? Index, long Position)> ReadTenantAsync(string tenant, CancellationToken cancellationToken)
    {
        // Read the log position first: changes made while loading are applied again afterwards (idempotently).
        var position = await store.ChangeSequenceAsync(tenant);
        var space = await store.SpaceAsync(tenant);
        if (space is null)
        {
            return (null, position);
        }
        var tenantIndex = new TenantIndex(tenant, VectorSpaceId.Parse(space));
        var ids = await store.AuctionIdsAsync(tenant);
        for (var start = 0; start < ids.Length; start += AuctionStore.LoadBatch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = new ArraySegment<string>(ids, start, Math.Min(AuctionStore.LoadBatch, ids.Length - start));
            foreach (var auction in await store.VectorsAsync(tenant, batch))
            {
                if (auction is not null && auction.Vector.Length == tenantIndex.Dimension)
                {
                    tenantIndex.Upsert(new IndexedAuction(auction.AuctionId, auction.Vector, auction.Agents, auction.CreatedMs, auction.Sequence));
                }
            }
        }
        return (tenantIndex, position);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMilliseconds(_options.ChangePollMilliseconds);
        while (!index.IsReady && !stoppingToken.IsCancellationRequested)
        {
            try
            {
                await LoadAsync(stoppingToken);
            }
            catch (RedisException exception)
            {
                logger.LogWarning(exception, "Loading the memory index failed; retrying in 1 s");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
        using var timer = new PeriodicTimer(interval);
        var lastGauge = 0L;
        var lastSweep = Environment.TickCount64;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await CatchUpAsync(stoppingToken);
                if (Environment.TickCount64 - lastSweep >= (long)SweepInterval.TotalMilliseconds)
                {
                    lastSweep = Environment.TickCount64;
                    await SweepAsync(stoppingToken);
                }
            }
            catch (RedisException exception)
            {
                logger.LogWarning(exception, "Reading the memory change log failed; retrying in {Interval}", interval);
            }
            var now = Environment.TickCount64;
            if (now - lastGauge >= 1_000)
            {
                lastGauge = now;
                PublishRecordGauges();
            }
        }
    }

    private async Task<Dictionary<(string, string), FetchedAuction>> FetchAddedAsync(List<Change> changes)
    {
        var byTenant = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            // Skip auctions this replica wrote itself and already indexed.
            if (!change.Added || index.Find(change.Tenant)?.SequenceOf(change.AuctionId) >= change.Sequence)
            {
                continue;
            }
            if (!byTenant.TryGetValue(change.Tenant, out var ids))
            {
                byTenant[change.Tenant] = ids = [];
            }
            ids.Add(change.AuctionId);
        }
        var fetched = new Dictionary<(string, string), FetchedAuction>();
        foreach (var (tenant, ids) in byTenant)
        {
            var space = index.Find(tenant) is null ? await store.SpaceAsync(tenant) : null;
            var vectors = await store.VectorsAsync(tenant, ids);
            foreach (var vector in vectors)
            {
                if (vector is not null)
                {
                    fetched[(tenant, vector.AuctionId)] = new FetchedAuction(
                        vector.AuctionId, vector.Vector, vector.Agents, vector.CreatedMs, vector.Sequence, space is null ? null : VectorSpaceId.Parse(space));
                }
            }
        }
        return fetched;
    }

    private void PublishRecordGauges()
    {
        var byLabel = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var tenant in index.Tenants)
        {
            var label = tenantLabels.For(tenant.Tenant);
            byLabel[label] = byLabel.GetValueOrDefault(label) + tenant.Count;
        }
        foreach (var (label, count) in byLabel)
        {
            MemoryMetrics.Records.WithLabels(label).Set(count);
        }
    }

    private sealed record FetchedAuction(string AuctionId, float[] Vector, string[] Agents, long CreatedMs, long Sequence, VectorSpaceId? Space);
}
