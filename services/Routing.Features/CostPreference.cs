namespace Routing.Features;

/// <summary>
/// The operating point λ (a per-request cost preference, docs/design.md §2.1.2): after the network, each candidate scores
/// its class probability minus λ times its worst-case cost relative to the dearest candidate's. λ = 0 is the
/// network's own choice; larger λ trades success for cost. One formula for the policy service's decisions and for
/// the trained policy run in-process by the trainer and the benchmark, so the two cannot drift apart.
/// </summary>
public static class CostPreference
{
    /// <summary>The candidate's score: higher wins, ties go to the cheaper candidate.</summary>
    /// <param name="probability">The network's probability of the candidate's tier.</param>
    /// <param name="worstCaseCostMicros">What the call could cost at most on this candidate.</param>
    /// <param name="maxWorstCaseCostMicros">The dearest candidate's worst case (0: no cost term).</param>
    /// <param name="lambda">The operating point, ≥ 0.</param>
    public static double Score(double probability, long worstCaseCostMicros, long maxWorstCaseCostMicros, double lambda) =>
        probability - (maxWorstCaseCostMicros > 0 ? lambda * worstCaseCostMicros / maxWorstCaseCostMicros : 0);
}
