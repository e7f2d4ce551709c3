using System.Globalization;
using Routing.Outcomes.Routers;
using Spectre.Console;

namespace Routing.Cli.Outcomes;

/// <summary>The tables of <c>eval outcomes --compare</c>: single models, then each router at its validation-chosen points and on the test-chosen reference curve.</summary>
public static class ComparisonPrinter
{
    public static void Print(ComparisonReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var inv = CultureInfo.InvariantCulture;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (Console.IsOutputRedirected)
        {
            console.Profile.Width = 200;
        }

        console.MarkupLine(inv, "[bold]Task routers side by side on REAL recorded outcomes[/] (not the simulator) · {0} ({1}) · {2} test queries · {3} models",
            Markup.Escape(report.TestFile), Markup.Escape(report.Split), report.Queries, report.Models.Count);
        console.MarkupLine(report.CostsEstimated ? "[yellow]{0}[/]" : "{0}", Markup.Escape(report.CostDescription));
        console.MarkupLine("boilerplate stripped by the calibrated router: {0}", Markup.Escape(report.Boilerplate));
        var singles = new Table().AddColumns("model", "accuracy %", "µ$/query");
        foreach (var s in report.Singles.OrderByDescending(s => s.Accuracy))
        {
            singles.AddRow(Markup.Escape(s.Model) + (s == report.BestSingle ? " (best)" : ""), Pct(s.Accuracy), Micros(s.CostUsd));
        }

        console.Write(singles);
        var b = report.BestSingle;
        var fixedPoints = new Table().AddColumns(
            "router", "validation-chosen most accurate point: accuracy %", "µ$/query", "vs best single (pts)",
            string.Create(inv, $"validation-chosen {report.TargetFraction:P0} point: accuracy %"), "µ$/query", "× best single cost", "how (chosen on validation)");
        foreach (var m in report.Methods)
        {
            fixedPoints.AddRow(
                Markup.Escape(m.Name), Pct(m.ValidatedBest.Accuracy), Micros(m.ValidatedBest.CostUsd), Points(m.ValidatedBest.Accuracy - b.Accuracy),
                m.ValidatedTarget is { } t ? Pct(t.Accuracy) + (t.Accuracy >= report.TargetAccuracy ? "" : " (below target)") : "none on validation",
                m.ValidatedTarget is { } u ? Micros(u.CostUsd) : "–", m.ValidatedTarget is { } v ? Ratio(v.CostUsd, b.CostUsd) : "–", Markup.Escape(m.ValidatedHow));
        }

        console.MarkupLine(inv, "[bold]operating points fixed on validation[/] (out-of-fold predictions on the training queries), measured on the test queries; target {0} % = {1:P0} of the best single model", Pct(report.TargetAccuracy), report.TargetFraction);
        console.Write(fixedPoints);

        var reference = new Table().AddColumns("router", "most accurate λ on test: accuracy %", "µ$/query", "vs best single (pts)", string.Create(inv, $"µ$/query to {report.TargetFraction:P0} of best"), "× best single cost", "× best baseline");
        var bestBaseline = report.Methods.Where(m => m.Kind != RouterKind.Calibrated && m.ReferenceToTarget is not null).Select(m => m.ReferenceToTarget!.CostUsd).DefaultIfEmpty(double.NaN).Min();
        foreach (var m in report.Methods)
        {
            reference.AddRow(
                Markup.Escape(m.Name), Pct(m.ReferenceBest.Accuracy), Micros(m.ReferenceBest.CostUsd), Points(m.ReferenceBest.Accuracy - b.Accuracy),
                m.ReferenceToTarget is { } r ? Micros(r.CostUsd) : "not reached", m.ReferenceToTarget is { } s ? Ratio(s.CostUsd, b.CostUsd) : "–",
                m.ReferenceToTarget is { } t && double.IsFinite(bestBaseline) ? Ratio(t.CostUsd, bestBaseline) : "–");
        }

        reference.AddRow("random routing between two models (expected)", "", "", "", report.RandomToTarget is { } rr ? Micros(rr.CostUsd) : "not reached",
            report.RandomToTarget is { } rs ? Ratio(rs.CostUsd, b.CostUsd) : "–", Markup.Escape(report.RandomToTarget?.How ?? ""));
        reference.AddRow("oracle", Pct(report.Oracle.Accuracy), Micros(report.Oracle.CostUsd), Points(report.Oracle.Accuracy - b.Accuracy), "", "", "cheapest correct model per query");
        console.MarkupLine("[bold]reference: λ sweep chosen WITH knowledge of the test outcomes[/] (the protocol of the earlier reports; not a deployable figure)");
        console.Write(reference);
        if (report.CostsEstimated)
        {
            console.MarkupLine("[yellow]cost figures above are ESTIMATES (list prices × estimated tokens), see the costs line.[/]");
        }
    }

    private static string Pct(double fraction) => (fraction * 100).ToString("F1", CultureInfo.InvariantCulture);

    private static string Points(double fraction) => (fraction * 100).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture);

    private static string Micros(double usd) => (usd * 1e6).ToString("N1", CultureInfo.InvariantCulture);

    private static string Ratio(double cost, double baseline) => baseline > 0 ? (cost / baseline).ToString("F2", CultureInfo.InvariantCulture) : "–";
}
