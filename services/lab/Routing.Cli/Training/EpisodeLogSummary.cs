using System.Globalization;
using Routing.Training.Episodes;
using Routing.Training.Pipeline;
using Spectre.Console;

namespace Routing.Cli.Training;

/// <summary>Standard output of <c>routing train policy --episodes</c>: what the log held, the taxonomy, and why there is no BoPO.</summary>
public static class EpisodeLogSummary
{
    public static void Print(TrainingResult result, EpisodeLogTrainingData data)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(data);
        var inv = CultureInfo.InvariantCulture;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        console.MarkupLine(inv, "[bold]Policy training — EPISODE LOG[/] ({0}) · seed {1} · {2:F0} s", Markup.Escape(result.DataSource ?? ""), result.Config.Seed, result.Elapsed.TotalSeconds);
        console.MarkupLine(inv, "left out: {0} episodes without an outcome line, {1} that used an agent between the smallest and the largest tier, {2} tasks lacking an always-small or an always-large episode",
            data.Unfinished, data.MiddleTierEpisodes, data.TasksWithoutBothBoundaries);
        console.MarkupLine(inv, "difficulty taxonomy of {0} logged tasks: easy {1} · hard {2} · intractable {3} · SFT steps {4} · final SFT loss {5:F4}",
            data.Tasks.Count, result.ClassCounts[0], result.ClassCounts[1], result.ClassCounts[2], result.SftSamples, result.SftFinalLoss);
        var table = new Table().AddColumns("boundary (logged)", "runs", "success %", "mean µ$");
        table.AddRow("always-small", data.Tasks.Sum(t => t.SmallRuns).ToString(inv), (100 * data.Tasks.Average(t => t.SmallSuccessRate)).ToString("F1", inv), data.Tasks.Average(t => t.SmallMeanCostMicros).ToString("N0", inv));
        table.AddRow("always-large", data.Tasks.Sum(t => t.LargeRuns).ToString(inv), (100 * data.Tasks.Average(t => t.LargeSuccessRate)).ToString("F1", inv), data.Tasks.Average(t => t.LargeMeanCostMicros).ToString("N0", inv));
        console.Write(table);
        console.MarkupLine("BoPO not run: it needs fresh rollouts of the policy being trained, i.e. an environment; an episode log holds only past episodes. The SFT policy is exported as [bold]sft-only[/] (not validated).");
    }
}
