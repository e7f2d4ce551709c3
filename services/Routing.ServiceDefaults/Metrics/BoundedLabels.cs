using System.Collections.Frozen;

namespace Routing.ServiceDefaults.Metrics;

/// <summary>
/// A label whose values come from a known set (agent pool names, configured model names); any other value,
/// such as a name a caller made up, shares <see cref="Other"/>, so a caller cannot grow the series count.
/// </summary>
public sealed class BoundedLabels
{
    public const string Other = "other";

    private volatile FrozenSet<string> _known;

    public BoundedLabels(IEnumerable<string> known)
    {
        ArgumentNullException.ThrowIfNull(known);
        _known = known.ToFrozenSet(StringComparer.Ordinal);
    }

    /// <summary>The known values after a reload (an agent pool that changed); series of removed values stay until restart.</summary>
    public void Replace(IEnumerable<string> known)
    {
        ArgumentNullException.ThrowIfNull(known);
        _known = known.ToFrozenSet(StringComparer.Ordinal);
    }

    public bool IsKnown(string value) => _known.Contains(value);

    public string For(string value) => _known.TryGetValue(value, out var known) ? known : Other;
}
