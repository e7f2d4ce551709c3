using System.Collections.Concurrent;

namespace Routing.ServiceDefaults.Metrics;

/// <summary>Caps the tenant label set: the first <c>max</c> tenants get their own series, later ones share "other".</summary>
public sealed class TenantLabels(int max)
{
    private readonly ConcurrentDictionary<string, string> _labels = new(StringComparer.Ordinal);

    public string For(string tenant)
    {
        if (_labels.TryGetValue(tenant, out var label))
        {
            return label;
        }
        return _labels.Count >= max ? "other" : _labels.GetOrAdd(tenant, tenant);
    }
}
