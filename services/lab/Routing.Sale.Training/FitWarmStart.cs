using Routing.Sale.Scoring;

namespace Routing.Sale.Training;

/// <summary>A feasible starting point of the weight program: weights, each task's winner under them, and z.</summary>
internal sealed record FitStart(SaleWeights Weights, int[] Winners, double Z, double Objective, int Candidates, int Infeasible);

/// <summary>
/// The warm start handed to SCIP (docs/sale.md): the best, by the program's own objective, of a small grid of weight
/// vectors and <see cref="FitOptions.StartSamples"/> seeded random ones within the bounds. A candidate counts only
/// if it satisfies the program's constraints exactly — its winner is at least <see cref="FitOptions.Margin"/> below
/// every cheaper bid — because SCIP silently discards a hint that violates any constraint, and then starts from
/// nothing (measured: it ended with a solution worse than the grid's best on 300 tasks).
/// </summary>
internal static class FitWarmStart
{
    public static FitStart Find(IReadOnlyList<TrainingTask> tasks, IReadOnlyList<string> agents, FitOptions options, double bigM, double rewardWeight)
    {
        FitStart? best = null;
        int candidates = 0, infeasible = 0;
        foreach (var weights in Candidates(agents, options))
        {
            candidates++;
            var start = Evaluate(tasks, weights, options, bigM, rewardWeight);
            if (start is null)
            {
                infeasible++;
                continue;
            }

            if (best is null || start.Objective < best.Objective)
            {
                best = start;
            }
        }

        // All-zero weights are always feasible (every bid ties, the cheapest wins by the tie-break), so best is set.
        return best! with { Candidates = candidates, Infeasible = infeasible };
    }

    /// <summary>The grid (all-zero first), then seeded random vectors; ablated terms stay at 0.</summary>
    private static IEnumerable<SaleWeights> Candidates(IReadOnlyList<string> agents, FitOptions options)
    {
        var terms = options.Terms;
        double[] fractions = [0, 0.25, 0.5, 1];
        double[] entropy = terms.Entropy ? [0, -0.5, 0.5] : [0];
        double[] jury = terms.Jury ? fractions : [0];
        foreach (var c in fractions)
        {
            foreach (var h in entropy)
            {
                foreach (var j in jury)
                {
                    yield return Weights(agents, c * options.MaxCostWeight, h * options.MaxEntropyWeight, _ => j * options.MaxJurorWeight);
                }
            }
        }

        var random = new Random(options.Seed);
        for (var n = 0; n < options.StartSamples; n++)
        {
            var cost = random.NextDouble() * options.MaxCostWeight;
            var h = terms.Entropy ? ((2 * random.NextDouble()) - 1) * options.MaxEntropyWeight : 0;
            var jurors = agents.Select(_ => terms.Jury ? random.NextDouble() * options.MaxJurorWeight : 0).ToArray();
            yield return Weights(agents, cost, h, i => jurors[i]);
        }
    }

    private static SaleWeights Weights(IReadOnlyList<string> agents, double cost, double entropy, Func<int, double> juror) => new()
    {
        Version = "start",
        Cost = cost,
        Entropy = entropy,
        Jurors = agents.Select((a, i) => (a, w: juror(i))).ToDictionary(p => p.a, p => p.w, StringComparer.Ordinal),
    };

    /// <summary>The program's objective at these weights, or null when they violate a margin constraint.</summary>
    private static FitStart? Evaluate(IReadOnlyList<TrainingTask> tasks, SaleWeights weights, FitOptions options, double bigM, double rewardWeight)
    {
        var terms = options.Terms;
        var winners = new int[tasks.Count];
        double reward = 0, z = -bigM;
        for (var t = 0; t < tasks.Count; t++)
        {
            var bids = tasks[t].Bids;
            if (bids.Count == 0)
            {
                continue;
            }

            var i = winners[t] = SaleWeightFitter.Winner(bids, weights, terms);
            var score = BidScore.Of(bids[i], weights, terms).Score;
            for (var k = 0; k < bids.Count; k++)
            {
                if (k != i && SaleWeightFitter.Cheaper(bids[k], bids[i]) && BidScore.Of(bids[k], weights, terms).Score < score + options.Margin)
                {
                    return null;
                }
            }

            reward += SaleWeightFitter.Reward(tasks[t], i, options);
            z = Math.Max(z, score);
        }

        return new FitStart(weights, winners, z, z - (rewardWeight * reward), 0, 0);
    }
}
