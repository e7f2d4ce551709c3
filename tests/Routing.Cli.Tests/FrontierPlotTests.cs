using System.Buffers.Binary;
using System.CommandLine;
using Routing.Cli.Bench;
using Routing.Simulation.Benchmark;
using Xunit;

namespace Routing.Cli.Tests;

/// <summary><c>routing bench routing --plot</c>: a valid PNG of the frontier (ScottPlot on SkiaSharp's native library).</summary>
public sealed class FrontierPlotTests
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public void PlotIsWrittenAsAValidPng()
    {
        var directory = Directory.CreateTempSubdirectory("routing-frontier-");
        try
        {
            var report = RoutingBenchCommand.Run(new RoutingBenchSettings(new FrontierSettings { TasksPerCell = 5, Seed = 99_003, BudgetMicros = 60_000, LargeCallCap = 5 }));
            var path = Path.Combine(directory.FullName, "nested", "frontier.png");

            FrontierPlot.Save(report, path);

            var bytes = File.ReadAllBytes(path);
            Assert.True(bytes.Length > 10_000, $"{bytes.Length} bytes is too small for a two-panel plot");
            Assert.Equal(PngSignature, bytes[..8]);
            Assert.Equal("IHDR"u8.ToArray(), bytes[12..16]);
            Assert.Equal(FrontierPlot.Width, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
            Assert.Equal(FrontierPlot.Height, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
            Assert.Equal("IEND"u8.ToArray(), bytes[^8..^4]);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void FrontierKeepsOnlyUndominatedPointsCheapestFirst()
    {
        var frontier = FrontierPlot.ParetoFrontier([(0.10, 57), (0.02, 44), (0.05, 58), (0.03, 45), (0.09, 51), (0.02, 40)]);

        Assert.Equal([(0.02, 44), (0.03, 45), (0.05, 58)], frontier);
    }

    [Fact]
    public async Task PlotPathMustBeAPng()
    {
        var exit = await new RootCommand { RoutingBenchCommand.Create() }.Parse(["routing", "--tasks-per-cell", "1", "--plot", "frontier.jpg"]).InvokeAsync();

        Assert.Equal(2, exit);
    }
}
