using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using Routing.Memory.Metrics;
using Routing.Memory.Options;
using Routing.ServiceDefaults.Redis;
using StackExchange.Redis;

namespace Routing.Memory.Storage;

/// <summary>
/// The auction memory in Redis, the source of truth. Every write is one Lua script (record, outcome, expiry),
/// so nothing is ever half-written; reads are plain pipelined commands. Inputs are validated by the caller;
/// Redis failures surface as <see cref="RedisException"/>.
/// </summary>
public sealed class AuctionStore(IConnectionMultiplexer redis, MemoryKeys keys, IOptions<MemoryOptions> options)
{
    /// <summary>Auctions read per round trip when loading a tenant.</summary>
    public const int LoadBatch = 512;

    private static readonly MemoryScripts Scripts = MemoryScripts.Instance;
    private static readonly RedisValue[] IndexFields = ["vec", "agents", "created", "seq"];
    private static readonly RedisValue[] RecordFields = ["rec", "outcome"];
    private static readonly RedisValue[] RecordFieldsWithVector = ["rec", "outcome", "vec"];
    private readonly MemoryOptions _options = options.Value;

    public MemoryKeys Keys => keys;

    public async Task<RecordResult> RecordAsync(
        string tenant, string auctionId, byte[] digest, byte[] record, float[] vector, IReadOnlyCollection<string> agents, string space, long nowMs)
    {
        // The tenant set is global (another slot than the tenant's keys): join it before writing, idempotently,
        // so a crash between the two leaves at most a tenant without auctions, which loading skips.
        await redis.GetDatabase().SetAddAsync(keys.Tenants, tenant);
        var reply = (RedisResult[])(await TimedAsync(Scripts.Record,
            [keys.Auction(tenant, auctionId), keys.Order(tenant), keys.Meta(tenant), keys.Changes(tenant), keys.ChangeSequence(tenant)],
            [
                auctionId, digest, record, MemoryMarshal.AsBytes(vector.AsSpan()).ToArray(), string.Join('\n', agents), space, nowMs,
                _options.MaxRecordsPerTenant, _options.RecordTtlSeconds * 1000L, _options.ChangeLogLength, keys.TenantPrefix(tenant),
            ]))!;
        var status = (RecordStatus)(int)reply[0];
        // A replay announces again: a writer that crashed before announcing is healed by its caller's retry.
        if (status is RecordStatus.Created or RecordStatus.Replayed)
        {
            await AnnounceAsync(tenant);
        }
        var evicted = new List<(string, long)>();
        for (var i = 3; i + 1 < reply.Length; i += 2)
        {
            evicted.Add(((string)reply[i]!, (long)reply[i + 1]));
        }
        return new RecordResult(status, (string?)reply[1] ?? "", (long)reply[2], evicted);
    }

    public async Task<OutcomeResult> RecordOutcomeAsync(string tenant, string auctionId, byte[] outcome, byte[] digest)
    {
        var reply = (RedisResult[])(await TimedAsync(Scripts.Outcome, [keys.Auction(tenant, auctionId), keys.Order(tenant)], [outcome, digest]))!;
        return new OutcomeResult((OutcomeStatus)(int)reply[0], (byte[])reply[1]! ?? []);
    }

    /// <summary>Removes auctions older than the cutoff, a batch at a time; returns what it removed.</summary>
    public async Task<IReadOnlyList<(string AuctionId, long Sequence)>> ExpireAsync(string tenant, long cutoffMs, int batch)
    {
        var reply = (RedisResult[])(await TimedAsync(Scripts.Expire,
            [keys.Order(tenant), keys.Changes(tenant), keys.ChangeSequence(tenant)],
            [cutoffMs, batch, keys.TenantPrefix(tenant), _options.ChangeLogLength]))!;
        if (reply.Length > 0)
        {
            await AnnounceAsync(tenant);
        }
        var removed = new List<(string, long)>(reply.Length / 2);
        for (var i = 0; i + 1 < reply.Length; i += 2)
        {
            removed.Add(((string)reply[i]!, (long)reply[i + 1]));
        }
        return removed;
    }

    public async Task<StoredAuction?> GetAsync(string tenant, string auctionId, bool includeVector)
    {
        var values = await redis.GetDatabase().HashGetAsync(keys.Auction(tenant, auctionId), includeVector ? RecordFieldsWithVector : RecordFields);
        return values[0].IsNull ? null : new StoredAuction((byte[])values[0]!, (byte[]?)values[1], includeVector ? (byte[]?)values[2] : null);
    }

    /// <summary>Several auctions in one pipelined round trip; a missing one (evicted meanwhile) is null.</summary>
    public async Task<StoredAuction?[]> GetManyAsync(string tenant, IReadOnlyList<string> auctionIds)
    {
        var db = redis.GetDatabase();
        var reads = new Task<RedisValue[]>[auctionIds.Count];
        for (var i = 0; i < reads.Length; i++)
        {
            reads[i] = db.HashGetAsync(keys.Auction(tenant, auctionIds[i]), RecordFields);
        }
        await Task.WhenAll(reads);
        var auctions = new StoredAuction?[reads.Length];
        for (var i = 0; i < reads.Length; i++)
        {
            var values = reads[i].Result;
            auctions[i] = values[0].IsNull ? null : new StoredAuction((byte[])values[0]!, (byte[]?)values[1], null);
        }
        return auctions;
    }

    public async Task<string[]> TenantsAsync() =>
        [.. (await redis.GetDatabase().SetMembersAsync(keys.Tenants)).Select(v => (string)v!)];

    public async Task<string?> SpaceAsync(string tenant) => await redis.GetDatabase().HashGetAsync(keys.Meta(tenant), "space");

    public Task<long> CountAsync(string tenant) => redis.GetDatabase().SortedSetLengthAsync(keys.Order(tenant));

    /// <summary>Position of a tenant's change log: the sequence of its latest change (0 when it has none).</summary>
    public async Task<long> ChangeSequenceAsync(string tenant) =>
        (long?)await redis.GetDatabase().StringGetAsync(keys.ChangeSequence(tenant)) ?? 0;

    /// <summary>The latest change tick (0 before the first write).</summary>
    public async Task<long> ChangeTickAsync() => (long?)await redis.GetDatabase().StringGetAsync(keys.ChangeTick) ?? 0;

    /// <summary>Tenants announced after <paramref name="afterTick"/>, each with the tick of its latest announcement.</summary>
    public async Task<(string Tenant, long Tick)[]> ChangedTenantsAsync(long afterTick) =>
        [.. (await redis.GetDatabase().SortedSetRangeByScoreWithScoresAsync(keys.ChangedTenants, afterTick, double.PositiveInfinity, Exclude.Start))
            .Select(e => ((string)e.Element!, (long)e.Score))];

    /// <summary>A tenant's log entries after <paramref name="afterSequence"/>, oldest first.</summary>
    public async Task<List<Change>> ChangesAfterAsync(string tenant, long afterSequence, int count)
    {
        var entries = await redis.GetDatabase().SortedSetRangeByScoreAsync(
            keys.Changes(tenant), afterSequence, double.PositiveInfinity, Exclude.Start, Order.Ascending, 0, count);
        var changes = new List<Change>(entries.Length);
        foreach (var entry in entries)
        {
            var parts = ((string)entry!).Split('\n', 3);
            changes.Add(new Change(long.Parse(parts[0], CultureInfo.InvariantCulture), parts[1] == "a", tenant, parts[2]));
        }
        return changes;
    }

    /// <summary>Vectors and bidders of the given auctions in one pipelined round trip; a missing one is null.</summary>
    public async Task<AuctionVector?[]> VectorsAsync(string tenant, IReadOnlyList<string> auctionIds)
    {
        var db = redis.GetDatabase();
        var reads = new Task<RedisValue[]>[auctionIds.Count];
        for (var i = 0; i < reads.Length; i++)
        {
            reads[i] = db.HashGetAsync(keys.Auction(tenant, auctionIds[i]), IndexFields);
        }
        await Task.WhenAll(reads);
        var vectors = new AuctionVector?[reads.Length];
        for (var i = 0; i < reads.Length; i++)
        {
            var values = reads[i].Result;
            if (values[0].IsNull)
            {
                continue;
            }
            var bytes = (byte[])values[0]!;
            vectors[i] = new AuctionVector(
                auctionIds[i],
                MemoryMarshal.Cast<byte, float>(bytes).ToArray(),
                ((string)values[1]!).Split('\n'),
                (long)values[2],
                (long)values[3]);
        }
        return vectors;
    }

    /// <summary>Every auction id of a tenant, oldest first.</summary>
    public async Task<string[]> AuctionIdsAsync(string tenant) =>
        [.. (await redis.GetDatabase().SortedSetRangeByRankAsync(keys.Order(tenant))).Select(v => (string)v!)];

    /// <summary>
    /// Tells replicas the tenant changed, after its script committed (so whoever reads the tick finds the change).
    /// A crash just before this leaves the change unannounced until the tenant's next write or a replica's sweep.
    /// </summary>
    private Task<RedisResult> AnnounceAsync(string tenant) =>
        TimedAsync(Scripts.Tick, [keys.ChangeTick, keys.ChangedTenants], [tenant]);

    private Task<RedisResult> TimedAsync(RedisScript script, RedisKey[] scriptKeys, RedisValue[] args) =>
        script.EvaluateAsync(redis.GetDatabase(), scriptKeys, args, MemoryMetrics.ScriptDuration);
}
