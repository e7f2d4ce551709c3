using System.CommandLine;
using System.Text.Json;
using Routing.Cli.Bench.Sale;
using Routing.Cli.Commands;
using Routing.Sale.Weights;
using Routing.Simulation;
using Xunit;

namespace Routing.Cli.Tests;

/// <summary>The SALE rows of <c>routing bench routing</c> and <c>routing train sale-weights</c> on tiny task sets.</summary>
public sealed class SaleBenchTests
{
    [Fact]
    public async Task TinySaleRunAuctionsEveryTaskAndAccountsForTheAuction()
    {
        var settings = new SaleBenchSettings(99_002, TasksPerCell: 2, TrainTasksPerCell: 2, TimeSpan.FromSeconds(5), Redis: null, ["sale", "sale-no-jury"]);

        var report = await SaleBench.RunAsync(SimulatorModel.Default, settings, progress: null, CancellationToken.None);

        Assert.Equal("simulator", report.Source);
        Assert.Equal(20, report.LargestAlone.Overall.Episodes);
        Assert.Equal(["sale", "sale-no-jury"], report.Variants.Select(v => v.Name));
        foreach (var v in report.Variants)
        {
            Assert.Equal(20, v.Frontier.Overall.Episodes);
            Assert.Equal(20, v.Wins.Values.Sum());
            Assert.Equal(0, v.Fallbacks);
            Assert.True(v.AuctionTokens > 0 && v.AuctionCostMicros > 0);
            Assert.InRange(v.AuctionTokenShare, 0.0, 1.0);
            // Every agent bids once per auction; the share's denominator is auctions plus whole episodes, whose
            // prompts re-send the growing history and so outweigh their completions.
            var agents = v.Wins.Count;
            Assert.Equal(agents * 20, v.AuctionPhases.Bid.Calls);
            Assert.Equal(0, v.AuctionPhases.RefineJury.Calls % agents);
            Assert.Equal(v.AuctionTokens + v.EpisodeInputTokens + v.EpisodeOutputTokens, v.AllTokens);
            Assert.True(v.EpisodeInputTokens > v.EpisodeOutputTokens);
            Assert.Contains(v.Fit.Status, new[] { "OPTIMAL", "FEASIBLE" });
        }

        var noJury = report.Variants.Single(v => v.Name == "sale-no-jury");
        Assert.Equal(0, noJury.VotesCounted);
        Assert.Equal(0, noJury.AuctionPhases.Jury.Calls + noJury.AuctionPhases.RefineJury.Calls);
        var sale = report.Variants.Single(v => v.Name == "sale");
        Assert.True(sale.VotesCounted > 0);
        // One jury call per juror and auction, each juror scoring all plans in it.
        Assert.Equal(sale.AuctionPhases.Bid.Calls, sale.AuctionPhases.Jury.Calls);
        using var json = JsonDocument.Parse(SaleBenchOutput.ToJson(report));
        Assert.Equal(2, json.RootElement.GetProperty("variants").GetArrayLength());
    }

    [Fact]
    public async Task TrainSaleWeightsWritesAWeightsFileTheAuctionCanLoad()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sale-weights-{Guid.NewGuid():N}.json");
        try
        {
            var exit = await TrainCommand.Create().Parse(["sale-weights", "--simulate-tasks-per-cell", "1", "--time-limit-seconds", "5", "--out", path, "--version", "test-v1"]).InvokeAsync();

            Assert.Equal(0, exit);
            var document = SaleWeightsFile.Read(path);
            Assert.Equal("test-v1", document.Version);
            Assert.Equal(10, document.Training!.Tasks);
            Assert.Equal(10, document.Training.Wins.Values.Sum());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task TrainingOnTheBenchmarksHeldOutSeedIsRefused()
    {
        var exit = await TrainCommand.Create().Parse(["sale-weights", "--seed", "31415926", "--out", "unused.json"]).InvokeAsync();

        Assert.Equal(2, exit);
    }
}
