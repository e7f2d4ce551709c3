using Routing.Training.Boundary;

namespace Routing.Training.Bopo;

/// <summary>
/// BoPO's reward and reference-guided advantage (docs/training.md):
/// R = success + r_hard·[hard ∧ success] − λ·C_norm, C_norm = clamp((C − C_small)/(C_large − C_small), 0, 2);
/// A_i = (R_i − mean(S)) / max(std(S), σ_min) with S = the group's rewards plus, when reference-guided, the
/// boundary policies' rewards on the same task and attempt.
/// </summary>
public static class BopoReward
{
    /// <summary>Upper clamp of C_norm: an episode dearer than twice the boundary gap is not punished further.</summary>
    public const double MaxCostNorm = 2;

    /// <summary>Episode cost normalised between the task's boundary costs (0 at always-small's, 1 at always-large's).</summary>
    public static double CostNorm(long costMicros, BoundaryRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        // Tasks where always-large is not dearer than always-small (short episodes) use the large cost as the unit.
        var span = record.LargeMeanCost - record.SmallMeanCost;
        if (span <= 0)
        {
            span = Math.Max(record.LargeMeanCost, 1);
        }

        return Math.Clamp((costMicros - record.SmallMeanCost) / span, 0, MaxCostNorm);
    }

    public static double Reward(bool success, long costMicros, BoundaryRecord record, double hardBonus, double costWeight)
    {
        ArgumentNullException.ThrowIfNull(record);
        var r = success ? 1.0 : 0.0;
        if (success && record.Class == DifficultyClass.Hard)
        {
            r += hardBonus;
        }

        return r - (costWeight * CostNorm(costMicros, record));
    }

    /// <summary>
    /// Rewards of always-small and always-large on boundary run <paramref name="attempt"/> of the task: the same
    /// attempt a BoPO group replays, so the group is compared with the boundary policies under identical luck.
    /// </summary>
    public static (double Small, double Large) BoundaryRewards(BoundaryRecord record, int attempt, double hardBonus, double costWeight)
    {
        ArgumentNullException.ThrowIfNull(record);
        return (Reward(record.SmallSuccess[attempt], record.SmallCost[attempt], record, hardBonus, costWeight),
            Reward(record.LargeSuccess[attempt], record.LargeCost[attempt], record, hardBonus, costWeight));
    }

    /// <summary>
    /// Advantages of one group. With <paramref name="references"/> (the boundary rewards) the baseline and the
    /// spread are taken over the group and the references together; without, over the group alone (GRPO).
    /// </summary>
    public static void Advantages(ReadOnlySpan<double> rewards, ReadOnlySpan<double> references, double stdFloor, Span<double> advantages)
    {
        var n = rewards.Length + references.Length;
        var sum = 0.0;
        foreach (var r in rewards)
        {
            sum += r;
        }

        foreach (var r in references)
        {
            sum += r;
        }

        var mean = sum / n;
        var squares = 0.0;
        foreach (var r in rewards)
        {
            squares += (r - mean) * (r - mean);
        }

        foreach (var r in references)
        {
            squares += (r - mean) * (r - mean);
        }

        var std = Math.Max(Math.Sqrt(squares / n), stdFloor);
        for (var i = 0; i < rewards.Length; i++)
        {
            advantages[i] = (rewards[i] - mean) / std;
        }
    }
}
