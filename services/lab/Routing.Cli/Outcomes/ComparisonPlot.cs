using System.Globalization;
using Routing.Cli.Output;
using Routing.Outcomes.Evaluation;
using Routing.Outcomes.Routers;
using ScottPlot;

namespace Routing.Cli.Outcomes;

/// <summary>
/// <c>eval outcomes --compare --plot x.png</c>: each router's λ-sweep frontier on the test queries (reference,
/// chosen on test), its validation-chosen points (filled: most accurate; open: target), single models, random
/// routing and the oracle.
/// </summary>
public static class ComparisonPlot
{
    public static void Save(ComparisonReport report, string path)
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
            line.LegendText = "random routing between models (expected)";
        }

        var markers = plot.Add.Markers(singles.Select(p => p.CostUsd).ToArray(), singles.Select(p => p.Accuracy).ToArray(), MarkerShape.FilledSquare, 9, Colors.Black);
        markers.LegendText = "single models";
        for (var m = 0; m < singles.Count; m++)
        {
            var label = plot.Add.Text(report.Singles[m].Model, singles[m].CostUsd, singles[m].Accuracy);
            label.LabelFontSize = 10;
            label.LabelOffsetX = 6;
        }

        var all = new List<CurvePoint>(singles);
        for (var k = 0; k < report.Methods.Count; k++)
        {
            var method = report.Methods[k];
            var color = palette.GetColor(k);
            var frontier = OperatingCurve.ParetoFrontier(method.Curve.Select(p => new CurvePoint(p.CostUsd * 1e6, p.Accuracy * 100)));
            var curve = plot.Add.ScatterLine(frontier.Select(p => p.CostUsd).ToArray(), frontier.Select(p => p.Accuracy).ToArray(), color);
            curve.LineWidth = method.Kind == RouterKind.Calibrated ? 2.5f : 1.5f;
            curve.LegendText = $"{method.Name}: λ sweep (reference, chosen on test)";
            all.AddRange(frontier);
            var best = plot.Add.Marker(method.ValidatedBest.CostUsd * 1e6, method.ValidatedBest.Accuracy * 100, MarkerShape.FilledCircle, 11, color);
            best.LegendText = $"{method.Name}: most accurate point chosen on validation";
            if (method.ValidatedTarget is { } t)
            {
                var target = plot.Add.Marker(t.CostUsd * 1e6, t.Accuracy * 100, MarkerShape.OpenCircle, 13, color);
                target.LegendText = string.Create(CultureInfo.InvariantCulture, $"{method.Name}: {report.TargetFraction:P0} point chosen on validation");
                all.Add(new CurvePoint(t.CostUsd * 1e6, t.Accuracy * 100));
            }
        }

        var oracle = plot.Add.Marker(report.Oracle.CostUsd * 1e6, report.Oracle.Accuracy * 100, MarkerShape.FilledDiamond, 12, Colors.DarkRed);
        oracle.LegendText = "oracle (reference)";
        all.Add(new CurvePoint(report.Oracle.CostUsd * 1e6, report.Oracle.Accuracy * 100));
        var line95 = plot.Add.HorizontalLine(report.TargetAccuracy * 100, 1, Colors.Green, LinePattern.Dotted);
        line95.LegendText = string.Create(CultureInfo.InvariantCulture, $"{report.TargetFraction:P0} of best single model");
        plot.Axes.SetLimits(0, all.Max(p => p.CostUsd) * 1.4, Math.Floor(all.Min(p => p.Accuracy)) - 3, Math.Ceiling(all.Max(p => p.Accuracy)) + 3);
        plot.Title($"{Path.GetFileName(report.TestFile)}: {report.Queries} test queries ({report.Split})\nreal recorded outcomes{(report.CostsEstimated ? " · costs ESTIMATED from prices × tokens" : " · recorded costs")}", size: 14);
        plot.XLabel(report.CostsEstimated ? "mean cost per query (µ$, ESTIMATED)" : "mean cost per query (µ$, recorded)", size: 13);
        plot.YLabel("accuracy (%)", size: 13);
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, OutcomesPlot.Width + 500, OutcomesPlot.Height);
    }
}
