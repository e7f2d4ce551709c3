namespace Routing.Training.Features;

/// <summary>The hard limits an episode runs under (both optional), as the features and the decoding mask see them.</summary>
/// <param name="BudgetMicros">Per-episode budget in micro-dollars; null for none.</param>
/// <param name="LargeCallCap">Most calls on the largest model (K); null for none.</param>
public readonly record struct EpisodeConstraints(long? BudgetMicros, int? LargeCallCap)
{
    public static EpisodeConstraints None => default;

    public bool Any => BudgetMicros is not null || LargeCallCap is not null;
}
