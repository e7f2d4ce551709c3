using System.CommandLine;
using Routing.Cli.Outcomes;
using Routing.Outcomes.Data;
using Routing.Outcomes.Evaluation;
using Routing.Outcomes.Routers;
using Routing.Outcomes.Training;

namespace Routing.Cli.Commands;

/// <summary><c>routing eval …</c>: evaluate trained routers on data they were not trained on.</summary>
public static class EvalCommand
{
    public static Command Create() => new("eval", "Evaluate trained routers on held-out data.")
    {
        CreateOutcomes(),
    };

    private static Command CreateOutcomes()
    {
        var test = new Option<string>("--test") { Description = "Outcome JSONL to evaluate on (the router's training file: its held-out part).", Required = true };
        var model = new Option<string?>("--model") { Description = "Router file from `routing train outcomes`." };
        var train = new Option<string?>("--train") { Description = "One shot: train on this outcome JSONL first instead of loading --model (needs --models)." };
        var models = new Option<string?>("--models") { Description = "Price table JSON (default with --model: the prices stored in the router file)." };
        var target = new Option<double>("--target") { Description = "Accuracy target as a fraction of the best single model's accuracy.", DefaultValueFactory = _ => 0.95 };
        var randomSeeds = new Option<int>("--random-seeds") { Description = "Random draws (one seeded stream) over which random routing's realised accuracy and cost are shown.", DefaultValueFactory = _ => 100 };
        var plot = new Option<string?>("--plot") { Description = "Also write a PNG of the accuracy–cost curve (e.g. curve.png)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (the full report, every λ) as the last line of stdout." };
        var compare = new Option<bool>("--compare") { Description = "With --train: train the calibrated router and the kNN and TF-IDF logistic-regression baselines on the same queries and report them side by side, at operating points chosen on validation (and the test-chosen reference curve)." };
        var folds = new Option<int?>("--folds") { Description = "With --compare and the same file as --train and --test: k-fold cross-validation over that file instead of one holdout." };
        var neighbours = new Option<int>("--neighbours") { Description = "k of the kNN learner and baseline (--compare).", DefaultValueFactory = _ => new LearnerSettings().Neighbours };
        var noStrip = new Option<bool>("--keep-boilerplate") { Description = "With --compare: do not strip the training set's shared prefix, suffix and frequent lines before the router's TF-IDF." };
        var encoder = new Option<string?>("--encoder") { Description = "With --compare: add sentence embeddings to the router's features: 'minilm' (all-MiniLM-L6-v2 run by ONNX Runtime; see docs/benchmarks.md)." };
        var training = new TrainingOptions();
        var command = new Command("outcomes", "Accuracy and cost of a task-level router on recorded outcomes as λ sweeps, against single models, random routing and the oracle.")
        {
            test, model, train, models, target, randomSeeds, plot, json, compare, folds, neighbours, noStrip, encoder,
        };
        training.AddTo(command);
        command.SetAction((parse, cancellationToken) =>
        {
            var problems = new List<string>();
            var modelPath = parse.GetValue(model);
            var trainPath = parse.GetValue(train);
            var modelsPath = parse.GetValue(models);
            if ((modelPath is null) == (trainPath is null))
            {
                problems.Add("give exactly one of --model (a router file) and --train (train one first)");
            }

            if (trainPath is not null && modelsPath is null)
            {
                problems.Add("--train needs --models (the price table)");
            }

            if (modelPath is not null && training.GivenExplicitly(parse) is { Count: > 0 } trainingOnly)
            {
                problems.Add($"{string.Join(", ", trainingOnly)} only apply with --train; a router file keeps its own holdout, cost assumptions and training settings");
            }

            var plotPath = parse.GetValue(plot);
            if (plotPath is not null && !plotPath.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"--plot must name a .png file, not '{plotPath}'");
            }

            var settings = new EvaluationSettings { TargetFraction = parse.GetValue(target), RandomSeeds = parse.GetValue(randomSeeds) };
            problems.AddRange(settings.Validate());
            if (!training.TryRead(parse, out var trainerSettings, out var holdout, out var seed, out var assumedOutput) || problems.Count > 0)
            {
                problems.ForEach(Console.Error.WriteLine);
                return Task.FromResult(2);
            }

            if (parse.GetValue(compare) && trainPath is null)
            {
                Console.Error.WriteLine("--compare trains the routers it compares: give --train (and --models), not --model");
                return Task.FromResult(2);
            }

            if (parse.GetValue(compare))
            {
                return Task.FromResult(Compare(parse, trainPath!, modelsPath!, parse.GetValue(test)!, holdout, seed, parse.GetValue(folds), trainerSettings, parse.GetValue(neighbours),
                    !parse.GetValue(noStrip), parse.GetValue(encoder), settings.TargetFraction, assumedOutput, training.ClipScores(parse), plotPath, parse.GetValue(json), training, cancellationToken));
            }

            if (parse.GetValue(folds) is not null || parse.GetValue(encoder) is not null)
            {
                Console.Error.WriteLine("--folds and --encoder only apply with --compare");
                return Task.FromResult(2);
            }

            try
            {
                var router = modelPath is not null
                    ? RouterFile.Load(modelPath)
                    : OutcomesWorkflow.Train(trainPath!, modelsPath!, holdout, seed, trainerSettings, assumedOutput, training.ClipScores(parse), showProgress: true, cancellationToken);
                var report = OutcomesWorkflow.Evaluate(router, parse.GetValue(test)!, modelsPath, training.ClipScores(parse), settings);
                OutcomesReportPrinter.Print(report, router.Provenance);
                if (plotPath is not null)
                {
                    OutcomesPlot.Save(report, plotPath);
                    Console.Error.WriteLine($"wrote {plotPath}");
                }

                if (parse.GetValue(json))
                {
                    Console.WriteLine(OutcomesJson.Serialize(report, router.Provenance));
                }

                return Task.FromResult(0);
            }
            catch (OutcomeDataException e)
            {
                Console.Error.WriteLine(e.Message);
                return Task.FromResult(2);
            }
        });
        return command;
    }

    private static int Compare(
        ParseResult parse, string trainPath, string modelsPath, string testPath, double? holdout, ulong seed, int? folds, TrainerSettings trainer, int neighbours,
        bool strip, string? encoderName, double targetFraction, int assumedOutput, bool clipScores, string? plotPath, bool json, TrainingOptions training, CancellationToken cancellationToken)
    {
        var defaults = new LearnerSettings();
        var settings = defaults with
        {
            Epochs = trainer.Epochs,
            LearningRate = trainer.LearningRate,
            L2 = trainer.L2,
            Width = training.HashWidthGiven(parse) ? trainer.HashWidth : defaults.Width,
            Neighbours = neighbours,
            StripBoilerplate = strip,
        };
        var problems = settings.Validate();
        if (problems.Count > 0)
        {
            problems.ForEach(Console.Error.WriteLine);
            return 2;
        }

        try
        {
            using var encoder = encoderName is null ? null : SentenceEncoders.Open(encoderName);
            var report = ComparisonWorkflow.Run(trainPath, modelsPath, testPath, holdout, seed, folds, settings, targetFraction, assumedOutput, clipScores, encoder, showProgress: true, cancellationToken);
            ComparisonPrinter.Print(report);
            if (plotPath is not null)
            {
                ComparisonPlot.Save(report, plotPath);
                Console.Error.WriteLine($"wrote {plotPath}");
            }

            if (json)
            {
                Console.WriteLine(ComparisonJson.Serialize(report));
            }

            return 0;
        }
        catch (OutcomeDataException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
    }
}
