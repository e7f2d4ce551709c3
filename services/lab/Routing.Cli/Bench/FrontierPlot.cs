using System.Globalization;
using Routing.Cli.Output;
using Routing.Simulation.Benchmark;
using ScottPlot;

namespace Routing.Cli.Bench;

/// <summary>
/// <c>routing bench routing --plot frontier.png</c>: mean cost per episode against success, one marker per
/// strategy (legend on the right), one panel per domain, with the cost–success frontier (the strategies no other beats on both) drawn
/// as a dashed line. Simulator figures; the panel titles say so.
/// </summary>
public static class FrontierPlot
{
    /// <summary>Width of the image in pixels (two panels side by side).</summary>
    public const int Width = 1600;

    /// <summary>Height of the image in pixels.</summary>
    public const int Height = 700;

    private static readonly MarkerShape[] Shapes =
    [
        MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond,
        MarkerShape.FilledTriangleDown, MarkerShape.OpenCircle, MarkerShape.OpenSquare, MarkerShape.OpenTriangleUp,
    ];

    /// <summary>Writes the plot as a PNG to <paramref name="path"/> (directories are created).</summary>
    public static void Save(FrontierReport report, string path)
    {
        ArgumentNullException.ThrowIfNull(report);
        PlotFiles.PrepareDirectory(path);

        var domains = report.Strategies.SelectMany(s => s.Domains.Select(d => d.Domain)).Distinct().ToList();
        var multiplot = new Multiplot();
        multiplot.AddPlots(domains.Count);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        var palette = new ScottPlot.Palettes.Category10();
        for (var p = 0; p < domains.Count; p++)
        {
            var plot = multiplot.GetPlot(p);
            var points = new List<(double Cost, double Success)>();
            for (var s = 0; s < report.Strategies.Count; s++)
            {
                var strategy = report.Strategies[s];
                var cell = strategy.Domains.FirstOrDefault(d => d.Domain == domains[p]);
                if (cell is null)
                {
                    continue;
                }

                var cost = cell.Figures.CostUsd;
                var success = cell.Figures.SuccessPct;
                points.Add((cost, success));
                var marker = plot.Add.Marker(cost, success, Shapes[s % Shapes.Length], 14, palette.GetColor(s));
                marker.LegendText = strategy.Name;
            }

            var frontier = ParetoFrontier(points);
            if (frontier.Count > 1)
            {
                var line = plot.Add.ScatterLine(frontier.Select(f => f.Cost).ToArray(), frontier.Select(f => f.Success).ToArray(), Colors.Gray);
                line.LinePattern = LinePattern.Dashed;
                line.LineWidth = 1.5f;
                line.LegendText = "frontier";
            }

            plot.Title(Title(report, domains[p]), size: 16);
            plot.XLabel("mean cost per episode (USD)", size: 14);
            plot.YLabel("success (%)", size: 14);
            if (points.Count > 0)
            {
                // Cost from zero so that ratios read off the axis; room on the right for the labels.
                plot.Axes.SetLimits(0, Math.Max(points.Max(q => q.Cost), 1e-6) * 1.25, Math.Floor(points.Min(q => q.Success)) - 2, Math.Ceiling(points.Max(q => q.Success)) + 2);
            }
            // Outside the data area: points of close strategies would hide labels drawn next to them.
            plot.ShowLegend(Edge.Right);
        }

        multiplot.SavePng(path, Width, Height);
    }

    /// <summary>The points no other point beats on both cost (lower) and success (higher), cheapest first.</summary>
    public static List<(double Cost, double Success)> ParetoFrontier(IEnumerable<(double Cost, double Success)> points)
    {
        var frontier = new List<(double Cost, double Success)>();
        foreach (var point in points.OrderBy(p => p.Cost).ThenByDescending(p => p.Success))
        {
            if (frontier.Count == 0 || point.Success > frontier[^1].Success)
            {
                frontier.Add(point);
            }
        }

        return frontier;
    }

    private static string Title(FrontierReport report, string domain)
    {
        var inv = CultureInfo.InvariantCulture;
        var limits = new List<string>();
        if (report.BudgetMicros is { } budget)
        {
            limits.Add(string.Create(inv, $"budget ${budget / 1e6:0.####}"));
        }

        if (report.LargeCallCap is { } cap)
        {
            limits.Add(string.Create(inv, $"K={cap}"));
        }

        var constraint = limits.Count == 0 ? "" : " · " + string.Join(", ", limits);
        return string.Create(inv, $"{domain}: {report.SmallAgent} / {report.LargeAgent}{constraint}\nsimulator figures · seed {report.Seed} · {report.TasksPerCell} tasks per bin");
    }
}
