using StackExchange.Redis;

namespace Routing.Memory.Storage;

/// <summary>
/// Redis key names, laid out for Redis Cluster: every key a write script touches carries the tenant's hash tag
/// <c>{tenant}</c>, so each script runs on one slot. The change log is per tenant; what is global — the tenant
/// set and the change tick with its "which tenant changed" set — is written by separate commands (the tick by
/// its own script on the <c>{changes}</c> tag), never inside a tenant's script.
/// </summary>
public sealed class MemoryKeys(string keyPrefix)
{
    /// <summary>Set of tenants with auctions.</summary>
    public RedisKey Tenants { get; } = keyPrefix + "tenants";

    /// <summary>Counter bumped after every write, so that replicas learn cheaply that some tenant changed.</summary>
    public RedisKey ChangeTick { get; } = keyPrefix + "{changes}:tick";

    /// <summary>Sorted set: member = tenant, score = the tick of its latest write (one entry per tenant).</summary>
    public RedisKey ChangedTenants { get; } = keyPrefix + "{changes}:tenants";

    public string TenantPrefix(string tenant) => $"{keyPrefix}{{{tenant}}}:";

    /// <summary>Hash: space (vector-space name, fixed by the first auction).</summary>
    public RedisKey Meta(string tenant) => TenantPrefix(tenant) + "meta";

    /// <summary>Sorted set of the tenant's auction ids by sequence: oldest first, for eviction and loading.</summary>
    public RedisKey Order(string tenant) => TenantPrefix(tenant) + "order";

    /// <summary>Hash: rec (Auction protobuf), vec (float32 little-endian), agents, digest, created, seq, outcome, outcome_digest.</summary>
    public RedisKey Auction(string tenant, string auctionId) => TenantPrefix(tenant) + "a:" + auctionId;

    /// <summary>The tenant's change log. Sorted set: score = sequence, member = "sequence\nop\nauction id" (op a = added, d = removed).</summary>
    public RedisKey Changes(string tenant) => TenantPrefix(tenant) + "changes";

    /// <summary>Counter of the tenant's change log; every record write and removal of the tenant takes the next value.</summary>
    public RedisKey ChangeSequence(string tenant) => TenantPrefix(tenant) + "changes:seq";
}
