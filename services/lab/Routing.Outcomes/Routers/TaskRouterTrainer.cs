using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Routing.Outcomes.Costs;
using Routing.Outcomes.Data;
using Routing.Outcomes.Training;

namespace Routing.Outcomes.Routers;

/// <summary>
/// Fits the calibrated task router and the two textbook baselines on the same training data. Every learner is
/// cross-fitted: the training queries are split into <see cref="LearnerSettings.Folds"/> folds by a hash of
/// their id, each fold is predicted by learners fitted on the others, and those out-of-fold predictions are the
/// validation set on which the calibration is fitted and the operating points are chosen; the learners used at
/// inference are then refitted on all training queries. IDF and boilerplate are learned on all training texts
/// (they use no outcomes). Nothing here looks at test data.
/// </summary>
public static class TaskRouterTrainer
{
    /// <summary>Progress: stage description, units done, units in all.</summary>
    public delegate void Progress(string stage, int done, int total);

    /// <summary>Fits the routers of <paramref name="kinds"/> (all three by default) on <paramref name="train"/>.</summary>
    public static IReadOnlyList<TaskRouter> Fit(
        OutcomeDataset train, CostMatrix costs, LearnerSettings settings, double targetFraction, ISentenceEncoder? encoder = null,
        IReadOnlyList<RouterKind>? kinds = null, Progress? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(costs);
        ArgumentNullException.ThrowIfNull(settings);
        var problems = settings.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(settings));
        }

        kinds ??= [RouterKind.Calibrated, RouterKind.KnnTfIdf, RouterKind.LogisticTfIdf];
        var n = train.Records.Count;
        if (n < settings.Folds)
        {
            throw new OutcomeDataException($"{train.Path}: {n} training queries cannot be split into {settings.Folds} folds");
        }

        var texts = train.Records.Select(r => r.Text).ToList();
        var scores = train.Records.Select(r => r.Outcomes.Select(o => o.Score).ToArray()).ToList();
        var costRows = costs.CostsUsd;
        var models = train.Models.Count;
        var lines = Enumerable.Range(0, models).Select(m => OutcomeRouterTrainer.FitCostLine(train, costs, m)).ToList();
        var baseRates = Enumerable.Range(0, models).Select(m => scores.Average(s => s[m])).ToArray();
        var meanCosts = Enumerable.Range(0, models).Select(m => costRows.Average(c => c[m])).ToArray();
        var defaultModel = Enumerable.Range(0, models).OrderByDescending(m => baseRates[m]).ThenBy(m => meanCosts[m]).First();
        var typicalCost = meanCosts.Average();
        var folds = train.Records.Select(r => Fold(r.Id, settings.Folds)).ToArray();

        var raw = TfIdfSpace.Learn(texts, settings.Width, stripBoilerplate: false);
        var needRaw = kinds.Any(k => k != RouterKind.Calibrated);
        var stripped = settings.StripBoilerplate ? TfIdfSpace.Learn(texts, settings.Width, stripBoilerplate: true) : raw;
        var routerSpaceIsRaw = encoder is null && stripped.Boilerplate.IsEmpty;
        if (routerSpaceIsRaw)
        {
            stripped = raw;
        }

        var spaces = (needRaw ? 1 : 0) + (kinds.Contains(RouterKind.Calibrated) && !(needRaw && routerSpaceIsRaw) ? 1 : 0);
        var total = spaces * (settings.Folds + 1) * (settings.Epochs + 1);
        var done = 0;
        void Step(string stage, int units)
        {
            done += units;
            progress?.Invoke(stage, done, total);
        }

        LearnerSet? rawSet = needRaw ? FitLearners("TF-IDF", raw, null) : null;
        LearnerSet? routerSet = kinds.Contains(RouterKind.Calibrated)
            ? (needRaw && routerSpaceIsRaw ? rawSet : FitLearners(encoder is null ? "stripped TF-IDF" : $"stripped TF-IDF + {encoder.Name}", stripped, encoder))
            : null;

        var routers = new List<TaskRouter>();
        foreach (var kind in kinds)
        {
            var set = kind == RouterKind.Calibrated ? routerSet! : rawSet!;
            IReadOnlyList<Calibration>? calibrations = null;
            Predictions validation;
            switch (kind)
            {
                case RouterKind.LogisticTfIdf:
                    validation = new Predictions(set.OofLogistic, [.. Enumerable.Range(0, n).Select(i => Line(lines, train.Records[i].Text.Length))]);
                    break;
                case RouterKind.KnnTfIdf:
                    validation = new Predictions(set.OofKnn, set.OofKnnCost);
                    break;
                default:
                    calibrations = [.. Enumerable.Range(0, models).Select(m => Calibration.Fit(
                        [.. Enumerable.Range(0, n).Select(i => new[] { set.OofLogistic[i][m], set.OofKnn[i][m] })],
                        [.. scores.Select(s => s[m])], settings.Shrinkage))];
                    validation = new Predictions(
                        [.. Enumerable.Range(0, n).Select(i => Enumerable.Range(0, models).Select(m => calibrations[m].Apply([set.OofLogistic[i][m], set.OofKnn[i][m]])).ToArray())],
                        set.OofKnnCost);
                    break;
            }

            var grid = OperatingGrid.Points(typicalCost, withBonus: kind == RouterKind.Calibrated);
            var (best, target) = OperatingGrid.Choose(validation, scores, costRows, grid, defaultModel, targetFraction);
            var atBest = OperatingGrid.Measure(validation, scores, costRows, best.High, defaultModel);
            var bestSingle = Enumerable.Range(0, models).OrderByDescending(m => baseRates[m]).First();
            routers.Add(new TaskRouter
            {
                Kind = kind,
                Models = train.Models,
                Space = set.Space,
                Encoder = set.Encoder,
                Logistic = kind == RouterKind.KnnTfIdf ? null : set.Logistic,
                Knn = kind == RouterKind.LogisticTfIdf ? null : set.Knn,
                Calibrations = calibrations,
                CostLines = lines,
                DefaultModel = defaultModel,
                TypicalCostUsd = typicalCost,
                Best = best,
                Target = target,
                Validation = new ValidationSummary(n, baseRates[bestSingle], train.Models[bestSingle], atBest.Accuracy, atBest.CostUsd),
            });
        }

        return routers;

        LearnerSet FitLearners(string name, TfIdfSpace space, ISentenceEncoder? withEncoder)
        {
            progress?.Invoke($"encoding {n} queries ({name})", done, total);
            var rows = Encode(space, withEncoder, texts, cancellationToken);
            var oofLogistic = new double[n][];
            var oofKnn = new double[n][];
            var oofKnnCost = new double[n][];
            for (var f = 0; f < settings.Folds; f++)
            {
                var inFold = Enumerable.Range(0, n).Where(i => folds[i] == f).ToList();
                var outFold = Enumerable.Range(0, n).Where(i => folds[i] != f).ToList();
                var fitRows = rows.Select(outFold);
                var stage = $"{name}: fold {f + 1}/{settings.Folds}, logistic regression";
                var logistic = LogisticSuccess.Fit(fitRows, [.. outFold.Select(i => scores[i])], settings, (_, _) => Step(stage, 1), cancellationToken);
                var knn = new KnnSuccess(fitRows, [.. outFold.Select(i => scores[i])], [.. outFold.Select(i => costRows[i])], settings.Neighbours);
                foreach (var i in inFold)
                {
                    oofLogistic[i] = new double[models];
                    oofKnn[i] = new double[models];
                    oofKnnCost[i] = new double[models];
                    logistic.Predict(rows.Vectors[i], rows.Characters[i], oofLogistic[i]);
                    knn.Predict(rows.Vectors[i], oofKnn[i], oofKnnCost[i], Line(lines, rows.Characters[i]));
                }

                Step($"{name}: fold {f + 1}/{settings.Folds}, kNN", 1);
            }

            var finalStage = $"{name}: all {n} training queries, logistic regression";
            var finalLogistic = LogisticSuccess.Fit(rows, scores, settings, (_, _) => Step(finalStage, 1), cancellationToken);
            var finalKnn = new KnnSuccess(rows, scores, costRows, settings.Neighbours);
            Step($"{name}: done", 1);
            return new LearnerSet(space, withEncoder, finalLogistic, finalKnn, oofLogistic, oofKnn, oofKnnCost);
        }
    }

    /// <summary>
    /// Feature rows: the TF-IDF vector, followed (with an encoder) by the embedding of the boilerplate-stripped
    /// text, both scaled by 1/√2 so the row keeps unit norm and cosine similarity averages the two.
    /// </summary>
    public static FeatureRows Encode(TfIdfSpace space, ISentenceEncoder? encoder, IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(texts);
        var vectors = texts.Select(space.Encode).ToList();
        var width = space.Width;
        if (encoder is not null)
        {
            var embeddings = encoder.Encode([.. texts.Select(space.Boilerplate.Strip)], cancellationToken: cancellationToken);
            var half = 1 / MathF.Sqrt(2);
            var dense = Enumerable.Range(0, encoder.Dimensions).ToArray();
            for (var i = 0; i < vectors.Count; i++)
            {
                vectors[i] = vectors[i].Scale(half).Concat(new SparseVector(dense, embeddings[i]).Scale(half), width);
            }

            width += encoder.Dimensions;
        }

        return new FeatureRows(vectors, [.. texts.Select(t => t.Length)], width);
    }

    /// <summary>The fold (0 … folds − 1) of a query id: a hash, so it depends on neither line order nor anything else.</summary>
    public static int Fold(string id, int folds)
    {
        ArgumentNullException.ThrowIfNull(id);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"fold:{id}"), hash);
        return (int)(BinaryPrimitives.ReadUInt64LittleEndian(hash) % (ulong)folds);
    }

    private static double[] Line(IReadOnlyList<(double Intercept, double Slope)> lines, int characters) =>
        [.. lines.Select(l => Math.Max(0, l.Intercept + (l.Slope * characters)))];

    private sealed record LearnerSet(
        TfIdfSpace Space, ISentenceEncoder? Encoder, LogisticSuccess Logistic, KnnSuccess Knn, double[][] OofLogistic, double[][] OofKnn, double[][] OofKnnCost);
}
