using System.Collections.Concurrent;

namespace Routing.Memory.Index;

/// <summary>
/// Every tenant's in-memory index on this replica, and where the replica stands in Redis's change log.
/// Writes from this replica and from the change log are applied under one lock, in log order, so a write
/// is never undone by an older change nor resurrected after a newer eviction.
/// </summary>
public sealed class MemoryIndex
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ConcurrentDictionary<string, TenantIndex> _tenants = new(StringComparer.Ordinal);

    /// <summary>Serialises applying changes; never held across a Redis call.</summary>
    public Lock ApplyLock { get; } = new();

    /// <summary>Sequence of the last change-log entry this replica applied.</summary>
    public long AppliedChange { get; set; }

    public bool IsReady => _ready.Task.IsCompleted;

    /// <summary>Completes once the first load from Redis finished.</summary>
    public Task WhenReady => _ready.Task;

    public ICollection<TenantIndex> Tenants => _tenants.Values;

    public TenantIndex? Find(string tenant) => _tenants.GetValueOrDefault(tenant);

    public TenantIndex GetOrAdd(string tenant, VectorSpaceId space) =>
        _tenants.GetOrAdd(tenant, static (name, s) => new TenantIndex(name, s), space);

    /// <summary>Swaps in a freshly loaded set of tenants (start-up, or a replica that fell behind the log).</summary>
    public void Replace(IEnumerable<TenantIndex> tenants, long appliedChange)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        var fresh = new ConcurrentDictionary<string, TenantIndex>(StringComparer.Ordinal);
        foreach (var tenant in tenants)
        {
            fresh[tenant.Tenant] = tenant;
        }
        _tenants = fresh;
        AppliedChange = appliedChange;
        _ready.TrySetResult();
    }
}
