using System.CommandLine;
using System.Globalization;
using Routing.Cli.Outcomes;
using Routing.Outcomes.Costs;
using Routing.Outcomes.Data;
using Routing.Outcomes.Training;
using Spectre.Console;

namespace Routing.Cli.Commands;

/// <summary>
/// <c>routing train outcomes</c>: a task-level router from recorded outcomes (outcome JSONL + price table),
/// written as a router file for <c>routing eval outcomes</c>.
/// </summary>
public static class TrainOutcomesCommand
{
    /// <summary>Default router file.</summary>
    public const string DefaultOut = "outcome-router.json";

    public static Command Create()
    {
        var train = new Option<string>("--train") { Description = "Outcome JSONL to train on (format: docs/benchmarks.md, 'Real outcome data').", Required = true };
        var models = new Option<string>("--models") { Description = "Price table JSON (USD per million input/output tokens per model).", Required = true };
        var output = new Option<string>("--out") { Description = "Router file to write.", DefaultValueFactory = _ => DefaultOut };
        var options = new TrainingOptions();
        var command = new Command("outcomes", "Train a task-level router on recorded outcomes: per-model success predictors on text features, cost from the price table.")
        {
            train, models, output,
        };
        options.AddTo(command);
        command.SetAction((parse, cancellationToken) =>
        {
            if (!options.TryRead(parse, out var settings, out var holdout, out var seed, out var assumedOutput))
            {
                return Task.FromResult(2);
            }

            var outPath = parse.GetValue(output)!;
            try
            {
                var router = OutcomesWorkflow.Train(parse.GetValue(train)!, parse.GetValue(models)!, holdout, seed, settings, assumedOutput, options.ClipScores(parse), showProgress: true, cancellationToken);
                RouterFile.Save(router, outPath);
                PrintTrained(router, outPath);
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

    private static void PrintTrained(OutcomeRouter router, string path)
    {
        var inv = CultureInfo.InvariantCulture;
        var p = router.Provenance;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (Console.IsOutputRedirected)
        {
            console.Profile.Width = 160;
        }

        console.MarkupLine(inv, "trained on [bold]{0}[/] real recorded outcomes from {1}{2}", p.TrainRecords, Markup.Escape(p.TrainFile),
            p.HoldoutFraction is { } f ? string.Create(inv, $" (holding out {f:P0}, seed {p.HoldoutSeed})") : "");
        console.MarkupLine("{0}", Markup.Escape(p.CostDescription));
        if (p.ClippedScores > 0)
        {
            console.MarkupLine(inv, "[yellow]{0} score(s) outside 0..1 clipped into range (--clip-scores)[/]", p.ClippedScores);
        }
        var table = new Table().AddColumns("model", "$ in / M tok", "$ out / M tok", "predicted µ$ at 1k chars");
        foreach (var m in router.Models)
        {
            table.AddRow(Markup.Escape(m.Name), m.InputUsdPerMTok.ToString("0.###", inv), m.OutputUsdPerMTok.ToString("0.###", inv),
                (Math.Max(0, m.CostInterceptUsd + (m.CostPerCharUsd * 1000)) * 1e6).ToString("N1", inv));
        }

        console.Write(table);
        console.MarkupLine("wrote {0}", Markup.Escape(path));
    }
}

/// <summary>The trainer options shared by <c>train outcomes</c> and the one-shot <c>eval outcomes --train</c>.</summary>
public sealed class TrainingOptions
{
    private readonly Option<double?> _holdout = new("--holdout") { Description = "Hold out this fraction of the training file (seeded by id) for evaluation on the same file, e.g. 0.3." };
    private readonly Option<ulong> _seed = new("--seed") { Description = "Seed of the holdout split.", DefaultValueFactory = _ => 1 };
    private readonly Option<int> _assumedOutput = new("--assumed-output-tokens") { Description = "Output tokens assumed per answer where the data records neither cost nor tokens.", DefaultValueFactory = _ => CostEstimator.DefaultAssumedOutputTokens };
    private readonly Option<bool> _clipScores = new("--clip-scores") { Description = "Clip scores outside 0..1 into range (counted in the output) instead of refusing the file." };
    private readonly Option<int> _epochs = new("--epochs") { Description = "Full-batch Adam steps.", DefaultValueFactory = _ => new TrainerSettings().Epochs };
    private readonly Option<double> _learningRate = new("--learning-rate") { Description = "Adam step size.", DefaultValueFactory = _ => new TrainerSettings().LearningRate };
    private readonly Option<double> _l2 = new("--l2") { Description = "L2 penalty on the weights.", DefaultValueFactory = _ => new TrainerSettings().L2 };
    private readonly Option<int> _hashWidth = new("--hash-width") { Description = "Hash buckets of the text features.", DefaultValueFactory = _ => new TrainerSettings().HashWidth };

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(_holdout);
        command.Options.Add(_seed);
        command.Options.Add(_assumedOutput);
        command.Options.Add(_clipScores);
        command.Options.Add(_epochs);
        command.Options.Add(_learningRate);
        command.Options.Add(_l2);
        command.Options.Add(_hashWidth);
    }

    /// <summary>Whether --hash-width was written on the command line (the routers of --compare have their own default width).</summary>
    public bool HashWidthGiven(ParseResult parse) => parse?.GetResult(_hashWidth) is { Implicit: false };

    /// <summary>Whether scores outside 0..1 are clipped rather than refused.</summary>
    public bool ClipScores(ParseResult parse) => parse?.GetValue(_clipScores) ?? false;

    /// <summary>The training options written on the command line (not defaulted): they mean nothing when a router file is loaded.</summary>
    public List<string> GivenExplicitly(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        Option[] all = [_holdout, _seed, _assumedOutput, _epochs, _learningRate, _l2, _hashWidth];
        return [.. all.Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name)];
    }

    /// <summary>Reads and validates the options; problems go to standard error.</summary>
    public bool TryRead(ParseResult parse, out TrainerSettings settings, out double? holdout, out ulong seed, out int assumedOutputTokens)
    {
        ArgumentNullException.ThrowIfNull(parse);
        settings = new TrainerSettings
        {
            Epochs = parse.GetValue(_epochs),
            LearningRate = parse.GetValue(_learningRate),
            L2 = parse.GetValue(_l2),
            HashWidth = parse.GetValue(_hashWidth),
        };
        holdout = parse.GetValue(_holdout);
        seed = parse.GetValue(_seed);
        assumedOutputTokens = parse.GetValue(_assumedOutput);
        var problems = settings.Validate();
        if (holdout is { } h && !(h is > 0 and < 1))
        {
            problems.Add($"--holdout must be between 0 and 1 (exclusive), not {h}");
        }

        if (assumedOutputTokens < 0)
        {
            problems.Add($"--assumed-output-tokens must be ≥ 0, not {assumedOutputTokens}");
        }

        problems.ForEach(Console.Error.WriteLine);
        return problems.Count == 0;
    }
}
