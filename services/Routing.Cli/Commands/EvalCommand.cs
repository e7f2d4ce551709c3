using System.CommandLine;
using Routing.Cli.Outcomes;
using Routing.Outcomes.Data;
using Routing.Outcomes.Evaluation;
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
        var training = new TrainingOptions();
        var command = new Command("outcomes", "Accuracy and cost of a task-level router on recorded outcomes as λ sweeps, against single models, random routing and the oracle.")
        {
            test, model, train, models, target, randomSeeds, plot, json,
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
}
