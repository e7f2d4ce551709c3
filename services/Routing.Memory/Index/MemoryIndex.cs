using System.Collections.Concurrent;

namespace Routing.Memory.Index;

/// <summary>
/// Every tenant's in-memory index on this replica, and where the replica stands in each tenant's change log.
/// Writes from this replica and from the change logs are applied under one lock, in each tenant's log order, so a
/// write is never undone by an older change nor resurrected after a newer eviction.
/// </summary>
public sealed class MemoryIndex
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ConcurrentDictionary<string, TenantIndex> _tenants = new(StringComparer.Ordinal);
    private ConcurrentDictionary<string, long> _positions = new(StringComparer.Ordinal);

    /// <summary>Serialises applying changes; never held across a Redis call.</summary>
    public Lock ApplyLock { get; } = new();

    /// <summary>The change tick up to which this replica has followed every tenant's announcement.</summary>
    public long AppliedTick { get; set; }

    public bool IsReady => _ready.Task.IsCompleted;

    /// <summary>Completes once the first load from Redis finished.</summary>
    public Task WhenReady => _ready.Task;

    public ICollection<TenantIndex> Tenants => _tenants.Values;

    public TenantIndex? Find(string tenant) => _tenants.GetValueOrDefault(tenant);

    public TenantIndex GetOrAdd(string tenant, VectorSpaceId space) =>
        _tenants.GetOrAdd(tenant, static (name, s) => new TenantIndex(name, s), space);

    /// <summary>Sequence of the last entry of the tenant's change log this replica applied.</summary>
    public long PositionOf(string tenant) => _positions.GetValueOrDefault(tenant);

    public void SetPosition(string tenant, long sequence) => _positions[tenant] = sequence;

    /// <summary>Swaps in a freshly loaded set of tenants (start-up).</summary>
    public void Replace(IEnumerable<TenantIndex> tenants, IReadOnlyDictionary<string, long> positions, long appliedTick)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        var fresh = new ConcurrentDictionary<string, TenantIndex>(StringComparer.Ordinal);
        foreach (var tenant in tenants)
        {
            fresh[tenant.Tenant] = tenant;
        }
        _tenants = fresh;
        _positions = new ConcurrentDictionary<string, long>(positions, StringComparer.Ordinal);
        AppliedTick = appliedTick;
        _ready.TrySetResult();
    }

    /// <summary>Swaps in one freshly loaded tenant (a replica that fell behind the tenant's trimmed log).</summary>
    public void ReplaceTenant(string tenant, TenantIndex? loaded, long position)
    {
        if (loaded is null)
        {
            _tenants.TryRemove(tenant, out _);
        }
        else
        {
            _tenants[tenant] = loaded;
        }
        _positions[tenant] = position;
    }
}
