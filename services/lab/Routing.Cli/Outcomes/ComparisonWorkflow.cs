using Routing.Cli.Output;
using Routing.Outcomes.Costs;
using Routing.Outcomes.Data;
using Routing.Outcomes.Routers;

namespace Routing.Cli.Outcomes;

/// <summary>
/// <c>routing eval outcomes --train … --compare</c>: the calibrated task router and the kNN and logistic-regression
/// baselines trained on the same queries and scored on the same test queries — a test file, the held-out part of
/// the training file, or k-fold cross-validation over it — with a progress bar on standard error.
/// </summary>
public static class ComparisonWorkflow
{
    public static ComparisonReport Run(
        string trainPath, string modelsPath, string testPath, double? holdout, ulong seed, int? folds, LearnerSettings settings, double targetFraction,
        int assumedOutputTokens, bool clipScores, ISentenceEncoder? encoder, bool showProgress, CancellationToken cancellationToken = default)
    {
        var prices = PriceTable.Load(modelsPath);
        var dataset = OutcomeReader.Read(trainPath, clipScores);
        prices.RequirePriced(dataset);
        var estimator = new CostEstimator(assumedOutputTokens);
        var sameFile = Path.GetFullPath(testPath) == Path.GetFullPath(trainPath);
        return WithProgress(showProgress, $"routers on {Path.GetFileName(trainPath)}", progress =>
        {
            if (folds is { } k)
            {
                if (!sameFile)
                {
                    throw new OutcomeDataException($"--folds cross-validates over one file: give the same file to --train and --test, not {trainPath} and {testPath}");
                }

                return RouterComparison.CrossValidate(dataset, estimator.Costs(dataset, prices), k, seed, settings, targetFraction, encoder, progress, cancellationToken);
            }

            OutcomeDataset train, test;
            string split;
            if (sameFile || OutcomeReader.Read(testPath, clipScores) is var other && other.Sha256 == dataset.Sha256)
            {
                if (holdout is not { } fraction)
                {
                    throw new OutcomeDataException($"{testPath}: this is the training file; give --holdout FRACTION (and --seed) or --folds K to evaluate on queries the routers did not see");
                }

                (train, test) = HoldoutSplit.Split(dataset, fraction, seed);
                split = $"held out: {fraction:P0} of {dataset.Records.Count} queries, seed {seed}";
            }
            else
            {
                prices.RequirePriced(other);
                train = holdout is { } fraction ? HoldoutSplit.Split(dataset, fraction, seed).Train : dataset;
                test = other;
                split = "test file";
            }

            return RouterComparison.Run(train, estimator.Costs(train, prices), test, estimator.Costs(test, prices), split, settings, targetFraction, encoder, progress, cancellationToken);
        });
    }

    private static ComparisonReport WithProgress(bool show, string title, Func<TaskRouterTrainer.Progress?, ComparisonReport> run)
    {
        if (!show)
        {
            return run(null);
        }

        ComparisonReport? report = null;
        StandardErrorProgress.Create().Start(context =>
        {
            var bar = context.AddTask($"training {title}", maxValue: 1);
            report = run((stage, done, total) =>
            {
                bar.MaxValue = Math.Max(1, total);
                bar.Value = Math.Min(done, total);
                bar.Description = Spectre.Console.Markup.Escape(stage);
            });
            bar.Value = bar.MaxValue;
        });
        return report!;
    }
}
