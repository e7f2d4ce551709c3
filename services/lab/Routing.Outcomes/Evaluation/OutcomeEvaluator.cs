using System.Globalization;
using Routing.Outcomes.Costs;
using Routing.Outcomes.Data;
using Routing.Outcomes.Training;

namespace Routing.Outcomes.Evaluation;

/// <summary>
/// Evaluates a router on outcome data it was not trained on. Accuracy is the mean score of the chosen model;
/// cost is the mean cost per query (recorded, or estimated — <see cref="CostMatrix.Describe"/> says which) of the
/// chosen model. The target is <see cref="EvaluationSettings.TargetFraction"/> of the best single model's
/// accuracy on the same queries; the best single model and the random-routing mixes are chosen with knowledge
/// of the test outcomes, so they are references the router has to beat without that knowledge.
/// </summary>
public static class OutcomeEvaluator
{
    public static EvaluationReport Evaluate(OutcomeRouter router, OutcomeDataset test, CostMatrix costs, string split, EvaluationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(costs);
        ArgumentNullException.ThrowIfNull(settings);
        var problems = settings.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(settings));
        }

        var routerIndex = MapModels(router, test);
        var n = test.Records.Count;
        var models = test.Models.Count;
        var scores = new double[n][];
        for (var q = 0; q < n; q++)
        {
            scores[q] = [.. test.Records[q].Outcomes.Select(o => o.Score)];
        }

        var singles = new SingleModelResult[models];
        for (var m = 0; m < models; m++)
        {
            singles[m] = new SingleModelResult(test.Models[m], scores.Average(s => s[m]), costs.CostsUsd.Average(c => c[m]));
        }

        var best = singles.OrderByDescending(s => s.Accuracy).ThenBy(s => s.CostUsd).First();
        var target = settings.TargetFraction * best.Accuracy;

        // Predictions once per query, in the test file's model order.
        var probabilities = new double[n][];
        var predictedCosts = new double[n][];
        var features = new float[TextFeatures.Width(router.HashWidth)];
        var routerProbabilities = new double[router.Models.Count];
        var routerCosts = new double[router.Models.Count];
        for (var q = 0; q < n; q++)
        {
            var text = test.Records[q].Text;
            TextFeatures.Extract(text, router.HashWidth, features);
            router.PredictSuccess(features, routerProbabilities);
            router.PredictCost(text.Length, routerCosts);
            probabilities[q] = new double[models];
            predictedCosts[q] = new double[models];
            for (var m = 0; m < models; m++)
            {
                probabilities[q][m] = routerProbabilities[routerIndex[m]];
                predictedCosts[q][m] = routerCosts[routerIndex[m]];
            }
        }

        var scale = predictedCosts.Average(c => c.Average());
        var curve = new List<RouterPoint>();
        foreach (var lambda in Lambdas(scale, settings.LambdaSteps))
        {
            double accuracy = 0, cost = 0;
            var shares = new double[models];
            for (var q = 0; q < n; q++)
            {
                var chosen = OutcomeRouter.Choose(probabilities[q], predictedCosts[q], lambda);
                accuracy += scores[q][chosen];
                cost += costs.CostsUsd[q][chosen];
                shares[chosen] += 1.0 / n;
            }

            curve.Add(new RouterPoint(lambda, accuracy / n, cost / n, shares));
        }

        var singlePoints = singles.Select(s => new CurvePoint(s.CostUsd, s.Accuracy)).ToList();
        var routerPoints = curve.Select(p => new CurvePoint(p.CostUsd, p.Accuracy)).ToList();
        var routerMix = OperatingCurve.CostToReach(routerPoints, target);
        var randomMix = OperatingCurve.CostToReach(singlePoints, target);
        var cheapestSingle = singles.Where(s => s.Accuracy >= target).OrderBy(s => s.CostUsd).FirstOrDefault();
        var inv = CultureInfo.InvariantCulture;
        return new EvaluationReport(
            test.Path, split, n, test.Models, costs.Describe(), costs.AnyEstimated, singles, best, settings.TargetFraction, target, curve,
            new CurvePoint(singles.Average(s => s.CostUsd), singles.Average(s => s.Accuracy)),
            Oracle(scores, costs.CostsUsd),
            routerMix is null ? null : new TargetResult(routerMix.CostUsd, routerMix.Single
                ? string.Create(inv, $"λ={curve[routerMix.High].Lambda:G3}")
                : string.Create(inv, $"λ={curve[routerMix.High].Lambda:G3} on {routerMix.HighProbability:P0} of queries, else λ={curve[routerMix.Low].Lambda:G3}")),
            randomMix is null ? null : new TargetResult(randomMix.CostUsd, randomMix.Single
                ? test.Models[randomMix.High]
                : string.Create(inv, $"{test.Models[randomMix.High]} on {randomMix.HighProbability:P0} of queries at random, else {test.Models[randomMix.Low]}")),
            randomMix is null || randomMix.Single ? null : RandomRouting.Spread(scores, costs.CostsUsd, randomMix.Low, randomMix.High, randomMix.HighProbability, settings.RandomSeeds),
            cheapestSingle is null ? null : new TargetResult(cheapestSingle.CostUsd, cheapestSingle.Model))
        {
            ClippedScores = test.ClippedScores,
        };
    }

    /// <summary>λ = 0 (accuracy only) then <paramref name="steps"/> values log-spaced so that λ × typical cost runs from 10⁻³ to 10³.</summary>
    public static IReadOnlyList<double> Lambdas(double typicalCostUsd, int steps)
    {
        var lambdas = new List<double> { 0 };
        if (typicalCostUsd <= 0)
        {
            return lambdas;
        }

        for (var k = 0; k < steps; k++)
        {
            var exponent = -3 + (6.0 * k / Math.Max(1, steps - 1));
            lambdas.Add(Math.Pow(10, exponent) / typicalCostUsd);
        }

        return lambdas;
    }

    /// <summary>Per query, the best score, and among the models that reach it the cheapest.</summary>
    public static CurvePoint Oracle(IReadOnlyList<double[]> scores, IReadOnlyList<double[]> costs)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(costs);
        double accuracy = 0, cost = 0;
        for (var q = 0; q < scores.Count; q++)
        {
            var chosen = 0;
            for (var m = 1; m < scores[q].Length; m++)
            {
                if (scores[q][m] > scores[q][chosen] || (scores[q][m] == scores[q][chosen] && costs[q][m] < costs[q][chosen]))
                {
                    chosen = m;
                }
            }

            accuracy += scores[q][chosen];
            cost += costs[q][chosen];
        }

        return new CurvePoint(cost / scores.Count, accuracy / scores.Count);
    }

    private static int[] MapModels(OutcomeRouter router, OutcomeDataset test)
    {
        var names = router.Models.Select(m => m.Name).ToList();
        var missing = test.Models.Where(m => !names.Contains(m)).ToList();
        var absent = names.Where(m => !test.Models.Contains(m)).ToList();
        if (missing.Count > 0 || absent.Count > 0)
        {
            throw new OutcomeDataException(
                $"{test.Path}: the test data and the router must cover the same models" +
                (missing.Count > 0 ? $"; not in the router: {string.Join(", ", missing)}" : "") +
                (absent.Count > 0 ? $"; not in the test data: {string.Join(", ", absent)}" : ""));
        }

        return [.. test.Models.Select(m => names.IndexOf(m))];
    }
}

/// <summary>Settings of <see cref="OutcomeEvaluator"/>.</summary>
public sealed record EvaluationSettings
{
    /// <summary>Fraction of the best single model's accuracy that the cost-to-target figures aim for.</summary>
    public double TargetFraction { get; init; } = 0.95;

    /// <summary>Non-zero λ values in the sweep.</summary>
    public int LambdaSteps { get; init; } = 49;

    /// <summary>Seeds over which random routing's realised accuracy and cost are shown.</summary>
    public int RandomSeeds { get; init; } = 100;

    public List<string> Validate()
    {
        var problems = new List<string>();
        if (!(TargetFraction is > 0 and <= 1))
        {
            problems.Add($"target fraction must be in (0, 1], not {TargetFraction}");
        }

        if (LambdaSteps is < 2 or > 10_000)
        {
            problems.Add($"lambda steps must be between 2 and 10000, not {LambdaSteps}");
        }

        if (RandomSeeds is < 2 or > 100_000)
        {
            problems.Add($"random seeds must be between 2 and 100000, not {RandomSeeds}");
        }

        return problems;
    }
}
