using System.Globalization;
using Routing.Outcomes.Evaluation;
using Routing.Outcomes.Training;
using Spectre.Console;

namespace Routing.Cli.Outcomes;

/// <summary>The tables of <c>routing eval outcomes</c>: single models, the router's curve (its undominated points), and cost to the target.</summary>
public static class OutcomesReportPrinter
{
    public static void Print(EvaluationReport report, RouterProvenance provenance)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(provenance);
        var inv = CultureInfo.InvariantCulture;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (Console.IsOutputRedirected)
        {
            console.Profile.Width = 160;
        }

        console.MarkupLine(inv, "[bold]Task-level routing on REAL recorded outcomes[/] (not the simulator) · test {0} ({1}) · {2} queries · {3} models",
            Markup.Escape(report.TestFile), Markup.Escape(report.Split), report.Queries, report.Models.Count);
        console.MarkupLine(inv, "router trained on {0} queries of {1}", provenance.TrainRecords, Markup.Escape(provenance.TrainFile));
        console.MarkupLine(report.CostsEstimated ? "[yellow]{0}[/]" : "{0}", Markup.Escape(report.CostDescription));
        if (report.ClippedScores > 0)
        {
            console.MarkupLine(inv, "[yellow]{0} score(s) of the test file outside 0..1 clipped into range (--clip-scores)[/]", report.ClippedScores);
        }

        var singles = new Table().AddColumns("model", "accuracy %", "µ$/query");
        foreach (var s in report.Singles.OrderByDescending(s => s.Accuracy))
        {
            singles.AddRow(Markup.Escape(s.Model) + (s == report.BestSingle ? " (best)" : ""), Pct(s.Accuracy), Micros(s.CostUsd));
        }

        console.Write(singles);

        var frontier = OperatingCurve.ParetoFrontier(report.Router.Select(p => new CurvePoint(p.CostUsd, p.Accuracy)));
        var curve = new Table().AddColumns("λ (per USD)", "accuracy %", "µ$/query", "vs best single cost", "most chosen");
        foreach (var point in report.Router.Where(p => frontier.Contains(new CurvePoint(p.CostUsd, p.Accuracy))).DistinctBy(p => (p.CostUsd, p.Accuracy)).OrderBy(p => p.CostUsd))
        {
            var top = point.Shares.Select((share, m) => (share, m)).OrderByDescending(x => x.share).Take(2)
                .Where(x => x.share > 0).Select(x => string.Create(inv, $"{report.Models[x.m]} {x.share:P0}"));
            curve.AddRow(point.Lambda.ToString("G3", inv), Pct(point.Accuracy), Micros(point.CostUsd), Ratio(point.CostUsd, report.BestSingle.CostUsd), Markup.Escape(string.Join(", ", top)));
        }

        console.MarkupLine(inv, "router: argmax P(success) − λ·predicted cost; {0} λ values, undominated points shown (all in --json)", report.Router.Count);
        console.Write(curve);

        var summary = new Table().AddColumns("strategy", "accuracy %", "µ$/query", string.Create(inv, $"µ$/query to reach {report.TargetFraction:P0} of best ({Pct(report.TargetAccuracy)} %)"), "vs best single", "how");
        summary.AddRow("best single model", Pct(report.BestSingle.Accuracy), Micros(report.BestSingle.CostUsd), Micros(report.BestSingle.CostUsd), "1.00", Markup.Escape(report.BestSingle.Model));
        Target(summary, "cheapest single model", null, report.SingleToTarget, report);
        Target(summary, "random routing (expected)", null, report.RandomToTarget, report);
        var best = report.RouterBest;
        Target(summary, "router", new CurvePoint(best.CostUsd, best.Accuracy), report.RouterToTarget, report);
        summary.AddRow("uniform random (1/M each)", Pct(report.UniformRandom.Accuracy), Micros(report.UniformRandom.CostUsd), "–", "–", "");
        summary.AddRow("oracle (reference)", Pct(report.Oracle.Accuracy), Micros(report.Oracle.CostUsd), "–", "–", "cheapest correct model per query");
        console.Write(summary);
        console.MarkupLine("router row: accuracy and cost at its most accurate λ; random routing and the best single model are chosen knowing the test outcomes, the router is not.");
        if (report.RandomSpread is { } spread)
        {
            console.MarkupLine(inv, "random routing realised in {0} random draws: accuracy {1} ± {2} %, {3} ± {4} µ$/query",
                spread.Seeds, Pct(spread.MeanAccuracy), Pct(spread.SdAccuracy), Micros(spread.MeanCostUsd), Micros(spread.SdCostUsd));
        }

        if (report.CostsEstimated)
        {
            console.MarkupLine("[yellow]cost figures above are ESTIMATES (list prices × estimated tokens), see the costs line.[/]");
        }

        void Target(Table table, string name, CurvePoint? at, TargetResult? result, EvaluationReport r) =>
            table.AddRow(
                name,
                at is { } a ? Pct(a.Accuracy) : "",
                at is { } b ? Micros(b.CostUsd) : "",
                result is null ? "not reached" : Micros(result.CostUsd),
                result is null ? "–" : Ratio(result.CostUsd, r.BestSingle.CostUsd),
                result is null ? "" : Markup.Escape(result.How));
    }

    private static string Pct(double fraction) => (fraction * 100).ToString("F1", CultureInfo.InvariantCulture);

    private static string Micros(double usd) => (usd * 1e6).ToString("N1", CultureInfo.InvariantCulture);

    private static string Ratio(double cost, double baseline) => baseline > 0 ? (cost / baseline).ToString("F2", CultureInfo.InvariantCulture) : "–";
}
