using System.Globalization;
using Routing.Outcomes.Costs;
using Routing.Outcomes.Data;
using Routing.Outcomes.Evaluation;

namespace Routing.Outcomes.Routers;

/// <summary>
/// Trains the calibrated router and both baselines on training data and measures them on test data they did
/// not see — one train/test split, or k-fold cross-validation over one file (each query is a test query once,
/// scored by routers trained on the other folds, and the tallies are pooled).
/// </summary>
public static class RouterComparison
{
    /// <summary>Train on <paramref name="train"/>, test on <paramref name="test"/>.</summary>
    public static ComparisonReport Run(
        OutcomeDataset train, CostMatrix trainCosts, OutcomeDataset test, CostMatrix testCosts, string split, LearnerSettings settings, double targetFraction,
        ISentenceEncoder? encoder = null, TaskRouterTrainer.Progress? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(testCosts);
        var routers = TaskRouterTrainer.Fit(train, trainCosts, settings, targetFraction, encoder, progress: progress, cancellationToken: cancellationToken);
        var tallies = routers.Select(r => new Tally(r)).ToList();
        Score(routers, tallies, test, testCosts.CostsUsd, cancellationToken);
        return Report(test, testCosts, [.. test.Records.Select(r => r.Outcomes.Select(o => o.Score).ToArray())], testCosts.CostsUsd, split, 1, tallies, targetFraction, routers[0]);
    }

    /// <summary>k-fold cross-validation over <paramref name="dataset"/> (folds by a seeded hash of the id).</summary>
    public static ComparisonReport CrossValidate(
        OutcomeDataset dataset, CostMatrix costs, int folds, ulong seed, LearnerSettings settings, double targetFraction,
        ISentenceEncoder? encoder = null, TaskRouterTrainer.Progress? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(costs);
        if (folds < 2 || folds > dataset.Records.Count)
        {
            throw new OutcomeDataException($"--folds must be between 2 and the number of queries ({dataset.Records.Count}), not {folds}");
        }

        var assignment = dataset.Records.Select(r => TaskRouterTrainer.Fold($"{seed}:{r.Id}", folds)).ToArray();
        List<Tally>? tallies = null;
        TaskRouter? first = null;
        var scoresAll = new List<double[]>();
        var costsAll = new List<double[]>();
        var records = new List<OutcomeRecord>();
        for (var f = 0; f < folds; f++)
        {
            var trainIdx = Enumerable.Range(0, assignment.Length).Where(i => assignment[i] != f).ToList();
            var testIdx = Enumerable.Range(0, assignment.Length).Where(i => assignment[i] == f).ToList();
            var train = dataset.WithRecords([.. trainIdx.Select(i => dataset.Records[i])]);
            var test = dataset.WithRecords([.. testIdx.Select(i => dataset.Records[i])]);
            var trainCosts = costs with { CostsUsd = [.. trainIdx.Select(i => costs.CostsUsd[i])] };
            double[][] testCosts = [.. testIdx.Select(i => costs.CostsUsd[i])];
            var fold = f;
            var routers = TaskRouterTrainer.Fit(train, trainCosts, settings, targetFraction, encoder,
                progress: progress is null ? null : (stage, done, total) => progress($"fold {fold + 1}/{folds} · {stage}", (fold * total) + done, folds * total),
                cancellationToken: cancellationToken);
            first ??= routers[0];
            tallies ??= [.. routers.Select(r => new Tally(r))];
            Score(routers, tallies, test, testCosts, cancellationToken);
            records.AddRange(test.Records);
            scoresAll.AddRange(test.Records.Select(r => r.Outcomes.Select(o => o.Score).ToArray()));
            costsAll.AddRange(testCosts);
        }

        var pooled = dataset.WithRecords(records);
        return Report(pooled, costs, scoresAll, costsAll, $"{folds}-fold cross-validation over all {dataset.Records.Count} queries (seed {seed})", folds, tallies!, targetFraction, first!);
    }

    private static void Score(IReadOnlyList<TaskRouter> routers, List<Tally> tallies, OutcomeDataset test, IReadOnlyList<double[]> costs, CancellationToken cancellationToken)
    {
        var texts = test.Records.Select(r => r.Text).ToList();
        var scores = test.Records.Select(r => r.Outcomes.Select(o => o.Score).ToArray()).ToList();
        for (var k = 0; k < routers.Count; k++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var predictions = routers[k].Predict(routers[k].Encode(texts, cancellationToken));
            tallies[k].Add(routers[k], predictions, scores, costs);
        }
    }

    private static ComparisonReport Report(
        OutcomeDataset test, CostMatrix costMatrix, IReadOnlyList<double[]> scores, IReadOnlyList<double[]> costs, string split, int folds,
        List<Tally> tallies, double targetFraction, TaskRouter router)
    {
        var n = scores.Count;
        var models = test.Models.Count;
        var singles = Enumerable.Range(0, models).Select(m => new SingleModelResult(test.Models[m], scores.Average(s => s[m]), costs.Average(c => c[m]))).ToList();
        var best = singles.OrderByDescending(s => s.Accuracy).ThenBy(s => s.CostUsd).First();
        var target = targetFraction * best.Accuracy;
        var singlePoints = singles.Select(s => new CurvePoint(s.CostUsd, s.Accuracy)).ToList();
        var randomMix = OperatingCurve.CostToReach(singlePoints, target);
        var cheapestSingle = singles.Where(s => s.Accuracy >= target).OrderBy(s => s.CostUsd).FirstOrDefault();
        var inv = CultureInfo.InvariantCulture;
        var boilerplate = router.Space.Boilerplate;
        return new ComparisonReport(
            test.Path, split, n, folds, test.Models, costMatrix.Describe(), costMatrix.AnyEstimated, singles, best, targetFraction, target,
            [.. tallies.Select(t => t.Result(target))],
            new CurvePoint(singles.Average(s => s.CostUsd), singles.Average(s => s.Accuracy)),
            OutcomeEvaluator.Oracle(scores, costs),
            randomMix is null ? null : new TargetResult(randomMix.CostUsd, randomMix.Single
                ? test.Models[randomMix.High]
                : string.Create(inv, $"{test.Models[randomMix.High]} on {randomMix.HighProbability:P0} of queries at random, else {test.Models[randomMix.Low]}")),
            cheapestSingle is null ? null : new TargetResult(cheapestSingle.CostUsd, cheapestSingle.Model),
            boilerplate.IsEmpty
                ? "none found"
                : string.Create(inv, $"shared prefix {boilerplate.Prefix.Length} chars, suffix {boilerplate.Suffix.Length} chars, {boilerplate.Lines.Count} frequent lines (learned on the training queries{(folds > 1 ? " of fold 1" : "")})"));
    }

    /// <summary>Sums over test queries (pooled over folds) for one router kind.</summary>
    private sealed class Tally(TaskRouter first)
    {
        private readonly int _lambdas = OperatingGrid.Lambdas(first.TypicalCostUsd).Count;
        private double[]? _curveAccuracy;
        private double[]? _curveCost;
        private double[][]? _curveShares;
        private double _bestAccuracy, _bestCost, _targetAccuracy, _targetCost;
        private int _n, _targetMissing;
        private readonly List<string> _how = [];

        public void Add(TaskRouter router, Predictions predictions, IReadOnlyList<double[]> scores, IReadOnlyList<double[]> costs)
        {
            var models = router.Models.Count;
            _curveAccuracy ??= new double[_lambdas];
            _curveCost ??= new double[_lambdas];
            _curveShares ??= [.. Enumerable.Range(0, _lambdas).Select(_ => new double[models])];
            var lambdas = OperatingGrid.Lambdas(router.TypicalCostUsd);
            for (var q = 0; q < scores.Count; q++)
            {
                var p = predictions.Success[q];
                var c = predictions.CostUsd[q];
                for (var l = 0; l < _lambdas; l++)
                {
                    var chosen = new OperatingPoint(lambdas[l], 0).Choose(p, c, router.DefaultModel);
                    _curveAccuracy[l] += scores[q][chosen];
                    _curveCost[l] += costs[q][chosen];
                    _curveShares[l][chosen]++;
                }

                var atBest = router.Best.High.Choose(p, c, router.DefaultModel);
                _bestAccuracy += scores[q][atBest];
                _bestCost += costs[q][atBest];
                if (router.Target is { } target)
                {
                    var high = target.High.Choose(p, c, router.DefaultModel);
                    var low = target.Low.Choose(p, c, router.DefaultModel);
                    var h = target.HighProbability;
                    _targetAccuracy += (h * scores[q][high]) + ((1 - h) * scores[q][low]);
                    _targetCost += (h * costs[q][high]) + ((1 - h) * costs[q][low]);
                }
            }

            if (router.Target is null)
            {
                _targetMissing++;
            }

            _n += scores.Count;
            _how.Add(Describe(router));
        }

        public MethodResult Result(double target)
        {
            var curve = new List<RouterPoint>();
            var lambdas = OperatingGrid.Lambdas(first.TypicalCostUsd);
            for (var l = 0; l < _lambdas; l++)
            {
                curve.Add(new RouterPoint(lambdas[l], _curveAccuracy![l] / _n, _curveCost![l] / _n, [.. _curveShares![l].Select(s => s / _n)]));
            }

            var points = curve.Select(p => new CurvePoint(p.CostUsd, p.Accuracy)).ToList();
            var referenceBest = points.OrderByDescending(p => p.Accuracy).ThenBy(p => p.CostUsd).First();
            var mix = OperatingCurve.CostToReach(points, target);
            var inv = CultureInfo.InvariantCulture;
            return new MethodResult(
                first.Kind, Name(first.Kind), Features(first), curve, referenceBest,
                mix is null ? null : new TargetResult(mix.CostUsd, mix.Single
                    ? string.Create(inv, $"λ={curve[mix.High].Lambda:G3}")
                    : string.Create(inv, $"λ={curve[mix.High].Lambda:G3} on {mix.HighProbability:P0} of queries, else λ={curve[mix.Low].Lambda:G3}")),
                new CurvePoint(_bestCost / _n, _bestAccuracy / _n),
                _targetMissing > 0 ? null : new CurvePoint(_targetCost / _n, _targetAccuracy / _n),
                _how.Count == 1 ? _how[0] : $"{_how[0]} (fold 1 of {_how.Count}: each fold chose its own points on its own validation)",
                first.Validation.AccuracyAtBest, first.Validation.BestSingleAccuracy);
        }

        private static string Describe(TaskRouter router)
        {
            var inv = CultureInfo.InvariantCulture;
            var best = string.Create(inv, $"best: λ={router.Best.High.Lambda:G3}{(router.Best.High.Bonus > 0 ? string.Create(inv, $", bonus {router.Best.High.Bonus:G3} to {router.Models[router.DefaultModel]}") : "")}");
            return router.Target is { } t
                ? best + string.Create(inv, $"; target: λ={t.High.Lambda:G3}{(t.Single ? "" : string.Create(inv, $" on {t.HighProbability:P0}, else λ={t.Low.Lambda:G3}"))}")
                : best + "; target: not reached on validation";
        }
    }

    public static string Name(RouterKind kind) => kind switch
    {
        RouterKind.KnnTfIdf => "kNN over TF-IDF (baseline)",
        RouterKind.LogisticTfIdf => "TF-IDF logistic regression (baseline)",
        _ => "calibrated router",
    };

    private static string Features(TaskRouter router) => router.Kind switch
    {
        RouterKind.Calibrated => "stack of logistic regression + kNN on " + (router.Space.Boilerplate.IsEmpty ? "TF-IDF" : "boilerplate-stripped TF-IDF") +
            (router.Encoder is null ? "" : $" + {router.Encoder.Name} embeddings") + ", calibrated with shrinkage to each model's prior; cost by kNN",
        RouterKind.KnnTfIdf => $"k={router.Knn!.K} cosine neighbours on raw-text TF-IDF; cost by kNN",
        _ => "raw-text TF-IDF; cost line in query length",
    };
}
