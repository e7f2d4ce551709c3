using Google.Protobuf.Collections;
using Routing.Contracts.Common.V1;
using Routing.Contracts.Policy.V1;
using Routing.Features;

namespace Routing.Policy.Decisions;

/// <summary>The chosen candidate (−1 to stop) and why.</summary>
public readonly record struct Decision(int CandidateIndex, DecisionReason Reason);

/// <summary>
/// Turns the network's probabilities into a decision, with the constraints applied after the network:
/// score_i = P(tier_i) − λ · cost_i / max_j cost_j; the best score wins (ties: cheaper, then earlier). A
/// candidate whose worst-case cost exceeds the remaining budget is masked (<c>budget_mask</c>), a large one
/// when no large calls are left (<c>large_cap</c>); the best unmasked candidate is chosen, and when nothing
/// fits the episode stops (<c>stop_no_model_fits</c>).
/// </summary>
public static class RouteDecider
{
    public static Decision Decide(ReadOnlySpan<float> probabilities, RepeatedField<Candidate> candidates, BudgetState budget, double costPreference)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(budget);
        long maxCost = 0;
        for (var i = 0; i < candidates.Count; i++)
        {
            maxCost = Math.Max(maxCost, candidates[i].WorstCaseCostMicros);
        }
        var noLargeCalls = budget.HasLargeCallsLeft && budget.LargeCallsLeft <= 0;

        int best = -1, bestAllowed = -1;
        double bestScore = 0, bestAllowedScore = 0;
        for (var i = 0; i < candidates.Count; i++)
        {
            var candidate = candidates[i];
            var score = CostPreference.Score(probabilities[candidate.Tier == ModelTier.Large ? 1 : 0], candidate.WorstCaseCostMicros, maxCost, costPreference);
            if (best < 0 || Better(score, candidate, bestScore, candidates[best]))
            {
                best = i;
                bestScore = score;
            }
            if (Fits(candidate, budget.RemainingMicros, noLargeCalls)
                && (bestAllowed < 0 || Better(score, candidate, bestAllowedScore, candidates[bestAllowed])))
            {
                bestAllowed = i;
                bestAllowedScore = score;
            }
        }
        if (bestAllowed < 0)
        {
            return new Decision(-1, DecisionReason.StopNoModelFits);
        }
        if (bestAllowed == best)
        {
            return new Decision(best, DecisionReason.Policy);
        }
        return new Decision(bestAllowed, candidates[best].WorstCaseCostMicros > budget.RemainingMicros ? DecisionReason.BudgetMask : DecisionReason.LargeCap);
    }

    private static bool Fits(Candidate candidate, long remaining, bool noLargeCalls) =>
        candidate.WorstCaseCostMicros <= remaining && !(noLargeCalls && candidate.Tier == ModelTier.Large);

    private static bool Better(double score, Candidate candidate, double otherScore, Candidate other) =>
        score > otherScore || (score == otherScore && candidate.WorstCaseCostMicros < other.WorstCaseCostMicros);
}
