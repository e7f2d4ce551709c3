using System.Globalization;
using Routing.Cli.Output;
using Routing.Outcomes.Evaluation;
using ScottPlot;

namespace Routing.Cli.Outcomes;

/// <summary>
/// <c>routing eval outcomes --plot curve.png</c>: accuracy against mean cost per query — the router's undominated
/// operating points as λ sweeps, each single model (labelled), random routing's expected curve between them, the
/// oracle, and the 95 %-of-best target line. Real recorded outcomes; the title says whether costs are estimated.
/// </summary>
public static class OutcomesPlot
{
    /// <summary>Width of the image in pixels.</summary>
    public const int Width = 1100;

    /// <summary>Height of the image in pixels.</summary>
    public const int Height = 700;

    public static void Save(EvaluationReport report, string path)
    {
        ArgumentNullException.ThrowIfNull(report);
        PlotFiles.PrepareDirectory(path);

        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var singles = report.Singles.Select(s => new CurvePoint(s.CostUsd * 1e6, s.Accuracy * 100)).ToList();

        var random = OperatingCurve.MixFrontier(singles);
        if (random.Count > 1)
        {
            var line = plot.Add.ScatterLine(random.Select(p => p.CostUsd).ToArray(), random.Select(p => p.Accuracy).ToArray(), Colors.Gray);
            line.LinePattern = LinePattern.Dashed;
            line.LineWidth = 1.5f;
            line.LegendText = "random routing between models (expected)";
        }

        var singleMarkers = plot.Add.Markers(singles.Select(p => p.CostUsd).ToArray(), singles.Select(p => p.Accuracy).ToArray(), MarkerShape.FilledSquare, 10, palette.GetColor(1));
        singleMarkers.LegendText = "single models";
        for (var m = 0; m < singles.Count; m++)
        {
            var label = plot.Add.Text(report.Singles[m].Model, singles[m].CostUsd, singles[m].Accuracy);
            label.LabelFontSize = 11;
            label.LabelOffsetX = 6;
        }

        // Drawn after the single models: where the router only ever picks one model its point sits on that model's marker.
        var router = OperatingCurve.ParetoFrontier(report.Router.Select(p => new CurvePoint(p.CostUsd * 1e6, p.Accuracy * 100)));
        var curve = plot.Add.ScatterLine(router.Select(p => p.CostUsd).ToArray(), router.Select(p => p.Accuracy).ToArray(), palette.GetColor(0));
        curve.LineWidth = 2.5f;
        curve.MarkerShape = MarkerShape.FilledCircle;
        curve.MarkerSize = 6;
        curve.LegendText = "router (λ sweep)";

        var oracle = plot.Add.Marker(report.Oracle.CostUsd * 1e6, report.Oracle.Accuracy * 100, MarkerShape.FilledDiamond, 12, palette.GetColor(3));
        oracle.LegendText = "oracle (reference)";
        var target = plot.Add.HorizontalLine(report.TargetAccuracy * 100, 1, palette.GetColor(2), LinePattern.Dotted);
        target.LegendText = string.Create(CultureInfo.InvariantCulture, $"{report.TargetFraction:P0} of best single model");

        var all = singles.Concat(router).Append(new CurvePoint(report.Oracle.CostUsd * 1e6, report.Oracle.Accuracy * 100)).ToList();
        // Room on the right for the model labels.
        plot.Axes.SetLimits(0, all.Max(p => p.CostUsd) * 1.5, Math.Floor(all.Min(p => p.Accuracy)) - 3, Math.Ceiling(all.Max(p => p.Accuracy)) + 3);
        plot.Title(Title(report), size: 15);
        plot.XLabel(report.CostsEstimated ? "mean cost per query (µ$, ESTIMATED from prices × tokens)" : "mean cost per query (µ$, recorded)", size: 14);
        plot.YLabel("accuracy (%)", size: 14);
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, Width, Height);
    }

    private static string Title(EvaluationReport report) =>
        $"{Path.GetFileName(report.TestFile)}: {report.Queries} test queries ({report.Split})\nreal recorded outcomes, not the simulator{(report.CostsEstimated ? " · costs ESTIMATED from prices × tokens" : " · recorded costs")}";
}
