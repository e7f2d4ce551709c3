using StackExchange.Redis;

namespace Routing.Memory.Storage;

/// <summary>
/// Redis key names. A tenant's keys carry the hash tag <c>{tenant}</c>. The change log and its counter are
/// global, and every write script touches them together with the tenant's keys, so the memory needs a
/// non-cluster Redis (or one slot for the whole prefix); a primary with replicas or Sentinel is fine.
/// </summary>
public sealed class MemoryKeys(string keyPrefix)
{
    /// <summary>Set of tenants with auctions.</summary>
    public RedisKey Tenants { get; } = keyPrefix + "tenants";

    /// <summary>Sorted set: score = sequence, member = "sequence\nop\ntenant\nauction id" (op a = added, d = removed).</summary>
    public RedisKey Changes { get; } = keyPrefix + "changes";

    /// <summary>Counter of the change log; every record write and removal takes the next value.</summary>
    public RedisKey ChangeSequence { get; } = keyPrefix + "changes:seq";

    public string TenantPrefix(string tenant) => $"{keyPrefix}{{{tenant}}}:";

    /// <summary>Hash: space (vector-space name, fixed by the first auction).</summary>
    public RedisKey Meta(string tenant) => TenantPrefix(tenant) + "meta";

    /// <summary>Sorted set of the tenant's auction ids by sequence: oldest first, for eviction and loading.</summary>
    public RedisKey Order(string tenant) => TenantPrefix(tenant) + "order";

    /// <summary>Hash: rec (Auction protobuf), vec (float32 little-endian), agents, digest, created, seq, outcome, outcome_digest.</summary>
    public RedisKey Auction(string tenant, string auctionId) => TenantPrefix(tenant) + "a:" + auctionId;
}
