using Routing.Cli.Output;
using ScottPlot;

namespace Routing.Cli.Bench.Reservation;

/// <summary><c>routing bench reservation --plot</c>: the false-402 rate against remaining ÷ real cost, byte bound beside tokenizer.</summary>
public static class ReservationPlot
{
    public const int Width = 900;

    public const int Height = 550;

    /// <summary>Writes the plot as a PNG to <paramref name="path"/> (directories are created).</summary>
    public static void Save(ReservationBenchReport report, string path)
    {
        ArgumentNullException.ThrowIfNull(report);
        PlotFiles.PrepareDirectory(path);

        var plot = new Plot();
        var x = report.RemainingOverReal.ToArray();
        var palette = new ScottPlot.Palettes.Category10();
        var sides = new[] { report.ByteBound, report.Tokenizer };
        for (var s = 0; s < sides.Length; s++)
        {
            var rates = ReservationBenchReport.Rates(sides[s], report.Fitting).Select(r => 100 * r).ToArray();
            var line = plot.Add.ScatterLine(x, rates, palette.GetColor(s));
            line.LineWidth = 2;
            line.MarkerShape = s == 0 ? MarkerShape.FilledCircle : MarkerShape.FilledSquare;
            line.MarkerSize = 6;
            line.LegendText = sides[s].Name;
        }

        plot.Title($"False 402s near the end of a budget: {report.Steps} tau-bench steps, max_tokens {report.MaxTokens}", size: 15);
        plot.XLabel("remaining budget ÷ real cost of the next step", size: 13);
        plot.YLabel("steps refused though they fitted (%)", size: 13);
        plot.Axes.SetLimits(x[0], x[^1], 0, 100);
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, Width, Height);
    }
}
