using Routing.Cli.Output;
using Routing.Outcomes.Costs;
using Routing.Outcomes.Data;
using Routing.Outcomes.Evaluation;
using Routing.Outcomes.Training;

namespace Routing.Cli.Outcomes;

/// <summary>
/// The steps behind <c>routing train outcomes</c> and <c>routing eval outcomes</c>: load and validate the data,
/// pick the split, train with a progress bar, and evaluate on the right records. Every input problem surfaces as
/// an <see cref="OutcomeDataException"/> naming the file (and line and field where there is one).
/// </summary>
public static class OutcomesWorkflow
{
    /// <summary>Reads <paramref name="trainPath"/> and trains a router on it (on the non-held-out part when <paramref name="holdout"/> is given).</summary>
    public static OutcomeRouter Train(
        string trainPath, string modelsPath, double? holdout, ulong seed, TrainerSettings settings, int assumedOutputTokens, bool clipScores,
        bool showProgress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var prices = PriceTable.Load(modelsPath);
        var dataset = OutcomeReader.Read(trainPath, clipScores);
        prices.RequirePriced(dataset);
        var train = holdout is { } fraction ? HoldoutSplit.Split(dataset, fraction, seed).Train : dataset;
        var estimator = new CostEstimator(assumedOutputTokens);
        var costs = estimator.Costs(train, prices);
        var provenance = new RouterProvenance(
            trainPath, dataset.Sha256, train.Records.Count, holdout, holdout is null ? null : seed, modelsPath, costs.Describe(),
            estimator.AssumedOutputTokens, estimator.CharsPerToken, settings, dataset.ClippedScores);
        if (!showProgress)
        {
            return OutcomeRouterTrainer.Train(train, costs, settings, provenance, prices, cancellationToken: cancellationToken);
        }

        OutcomeRouter? router = null;
        StandardErrorProgress.Create().Start(context =>
        {
            var bar = context.AddTask($"training {train.Models.Count} success predictors on {train.Records.Count} queries", maxValue: settings.Epochs);
            router = OutcomeRouterTrainer.Train(
                train, costs, settings, provenance, prices,
                (epoch, epochs, loss) =>
                {
                    bar.Value = epoch;
                    bar.Description = $"training {train.Models.Count} success predictors on {train.Records.Count} queries · loss {loss:F4}";
                },
                cancellationToken);
        });
        return router!;
    }

    /// <summary>
    /// Evaluates <paramref name="router"/> on <paramref name="testPath"/>. When the test file is the router's
    /// training file (same SHA-256) only the records the router held out are used, and a router trained on the
    /// whole file is refused: that would score it on its own training data. Prices come from
    /// <paramref name="modelsPath"/>, or from the router file when none is given.
    /// </summary>
    public static EvaluationReport Evaluate(OutcomeRouter router, string testPath, string? modelsPath, bool clipScores, EvaluationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(router);
        var prices = modelsPath is null
            ? new PriceTable("router file (embedded prices)", router.Models.ToDictionary(m => m.Name, m => new ModelPrice(m.InputUsdPerMTok, m.OutputUsdPerMTok)))
            : PriceTable.Load(modelsPath);
        var dataset = OutcomeReader.Read(testPath, clipScores);
        prices.RequirePriced(dataset);
        var provenance = router.Provenance;
        var test = dataset;
        var split = "whole file";
        if (dataset.Sha256 == provenance.TrainSha256)
        {
            if (provenance.HoldoutFraction is not { } fraction || provenance.HoldoutSeed is not { } seed)
            {
                throw new OutcomeDataException(
                    $"{testPath}: this is the router's training file ({provenance.TrainFile}) and the router was trained on all of it; train with --holdout FRACTION --seed N to evaluate on a held-out part, or evaluate on another file");
            }

            test = HoldoutSplit.Split(dataset, fraction, seed).Test;
            split = $"held out: {fraction:P0} of the router's training file's {dataset.Records.Count} queries, seed {seed}";
        }

        var costs = new CostEstimator(provenance.AssumedOutputTokens, provenance.CharsPerToken).Costs(test, prices);
        return OutcomeEvaluator.Evaluate(router, test, costs, split, settings);
    }
}
