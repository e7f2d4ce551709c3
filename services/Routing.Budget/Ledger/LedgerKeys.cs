using StackExchange.Redis;

namespace Routing.Budget.Ledger;

/// <summary>
/// Redis key names. Every key of a tenant carries the hash tag <c>{tenant}</c>, so the scripts that touch a
/// task and its tenant's ceiling run on one slot of a Redis Cluster as well.
/// </summary>
public sealed class LedgerKeys(string keyPrefix)
{
    /// <summary>Set of tenants with ledgers, walked by the lease sweeper.</summary>
    public RedisKey Tenants { get; } = keyPrefix + "tenants";

    public string TenantPrefix(string tenant) => $"{keyPrefix}{{{tenant}}}:";

    public RedisKey Task(string tenant, string taskId) => TenantPrefix(tenant) + "task:" + taskId;

    public RedisKey Reservations(string tenant, string taskId) => TenantPrefix(tenant) + "res:" + taskId;

    /// <summary>
    /// The keys of a task script (its own, then the tenant's hash, lease zset and spend hash): every script
    /// declares the tenant's keys last, so Garnet's Lua transactions lock them and a cluster routes by them.
    /// </summary>
    public RedisKey[] ForScript(string tenant, params RedisKey[] own)
    {
        ArgumentNullException.ThrowIfNull(own);
        var prefix = TenantPrefix(tenant);
        var all = new RedisKey[own.Length + 3];
        own.CopyTo(all, 0);
        all[^3] = prefix + "tenant";
        all[^2] = prefix + "leases";
        all[^1] = prefix + "spend";
        return all;
    }
}
