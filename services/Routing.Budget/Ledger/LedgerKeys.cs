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
}
