namespace Routing.Policy.Models;

/// <summary>A version directory that failed validation and why.</summary>
public sealed record RejectedModel(string Version, string Reason);

/// <summary>
/// The versions serving at one moment: primary, an optional canary taking a weighted, per-task sticky share,
/// and an optional shadow that only scores. Immutable; the registry swaps whole sets.
/// </summary>
public sealed class ServingSet(LoadedModel primary, LoadedModel? canary, double canaryWeight, LoadedModel? shadow, IReadOnlyList<RejectedModel> rejected)
{
    /// <summary>Canary buckets per task: a weight resolves to 1/10,000.</summary>
    public const int Buckets = 10_000;

    private readonly int _canaryBuckets = canary is null ? 0 : (int)Math.Round(canaryWeight * Buckets);
    private int _anonymous;

    public LoadedModel Primary { get; } = primary;

    public LoadedModel? Canary { get; } = canary;

    public double CanaryWeight { get; } = canary is null ? 0 : canaryWeight;

    public LoadedModel? Shadow { get; } = shadow;

    public IReadOnlyList<RejectedModel> Rejected { get; } = rejected;

    /// <summary>The version that decides for this task: the same task id always lands on the same side.</summary>
    public LoadedModel Choose(string taskId, out bool isCanary)
    {
        isCanary = false;
        if (_canaryBuckets == 0 || Canary is null)
        {
            return Primary;
        }
        // Requests without a task id cannot be sticky; a rotating bucket still gives the canary its share.
        var bucket = taskId.Length == 0
            ? (int)((uint)Interlocked.Increment(ref _anonymous) % Buckets)
            : Bucket(taskId);
        isCanary = bucket < _canaryBuckets;
        return isCanary ? Canary : Primary;
    }

    public bool Contains(LoadedModel model) => ReferenceEquals(model, Primary) || ReferenceEquals(model, Canary) || ReferenceEquals(model, Shadow);

    /// <summary>FNV-1a 64 of the task id's UTF-16 code units, modulo <see cref="Buckets"/>.</summary>
    public static int Bucket(string taskId)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in taskId)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }
        return (int)(hash % Buckets);
    }
}
