namespace Routing.Outcomes.Evaluation;

/// <summary>
/// Random routing between two models: each query goes to <c>high</c> with probability p, else to <c>low</c>.
/// Its expectation over seeds is the p-mix of the two models' accuracy and cost (linearity of expectation);
/// <see cref="Realise"/> draws one seeded assignment so tests and reports can show the spread around it.
/// </summary>
public static class RandomRouting
{
    /// <summary>Seed of the stream the realised draws come from (fixed: reports are reproducible).</summary>
    public const int StreamSeed = 20261123;

    /// <summary>Expected accuracy and cost of the mix.</summary>
    public static CurvePoint Expected(CurvePoint low, CurvePoint high, double p) =>
        new(((1 - p) * low.CostUsd) + (p * high.CostUsd), ((1 - p) * low.Accuracy) + (p * high.Accuracy));

    /// <summary>Mean accuracy and cost of one draw over the queries (scores and costs indexed [query][model]).</summary>
    public static CurvePoint Realise(IReadOnlyList<double[]> scores, IReadOnlyList<double[]> costs, int low, int high, double p, Random random)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(costs);
        ArgumentNullException.ThrowIfNull(random);
        double accuracy = 0, cost = 0;
        for (var q = 0; q < scores.Count; q++)
        {
            var model = random.NextDouble() < p ? high : low;
            accuracy += scores[q][model];
            cost += costs[q][model];
        }

        return new CurvePoint(cost / scores.Count, accuracy / scores.Count);
    }

    /// <summary>
    /// Mean and standard deviation of accuracy and cost over <paramref name="seeds"/> successive draws of one
    /// seeded stream (not one generator per seed 1, 2, …: System.Random's seeded generators for nearby seeds are
    /// correlated, which biased the mean of such draws by a few standard errors on dcrouter).
    /// </summary>
    public static RealisedSpread Spread(IReadOnlyList<double[]> scores, IReadOnlyList<double[]> costs, int low, int high, double p, int seeds)
    {
        if (seeds < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(seeds), seeds, "need at least two seeds for a spread");
        }

        var random = new Random(StreamSeed);
        var draws = new CurvePoint[seeds];
        for (var s = 0; s < seeds; s++)
        {
            draws[s] = Realise(scores, costs, low, high, p, random);
        }

        var meanAccuracy = draws.Average(d => d.Accuracy);
        var meanCost = draws.Average(d => d.CostUsd);
        return new RealisedSpread(
            seeds, meanAccuracy, Math.Sqrt(draws.Sum(d => (d.Accuracy - meanAccuracy) * (d.Accuracy - meanAccuracy)) / (seeds - 1)),
            meanCost, Math.Sqrt(draws.Sum(d => (d.CostUsd - meanCost) * (d.CostUsd - meanCost)) / (seeds - 1)));
    }
}

/// <summary>Realised accuracy and cost of random routing over several seeds.</summary>
public sealed record RealisedSpread(int Seeds, double MeanAccuracy, double SdAccuracy, double MeanCostUsd, double SdCostUsd);
