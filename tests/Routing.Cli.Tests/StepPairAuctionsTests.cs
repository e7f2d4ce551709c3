using Routing.Cli.Bench;
using Routing.Cli.Bench.Sale;
using Routing.Simulation;
using Routing.Simulation.Benchmark;
using Routing.Simulation.Tasks;
using Routing.Training.Bopo;
using Routing.Training.Export;
using Routing.Training.Pipeline;
using Xunit;

namespace Routing.Cli.Tests;

/// <summary>Step-pair auctions for training and the benchmark: which tasks are auctioned, what the features get, what it costs.</summary>
public sealed class StepPairAuctionsTests
{
    private const ulong Seed = 99_011;

    [Fact]
    public async Task AShareOfTasksIsAuctionedDeterministicallyAndEachAuctionHasAnOutcomeAndACost()
    {
        var model = SimulatorModel.Default;
        var first = new StepPairAuctions(model, share: 0.5);
        var second = new StepPairAuctions(model, share: 0.5);
        await first.PrepareAsync(Seed, 4, null, CancellationToken.None);
        await second.PrepareAsync(Seed, 4, null, CancellationToken.None);

        var generator = new TaskGenerator(model, Seed);
        var tasks = Enumerable.Range(0, 40).Select(i => generator.CreateCellMajor(i, 4)).ToList();
        var auctioned = tasks.Where(t => first.For(t) is not null).ToList();
        Assert.InRange(auctioned.Count, 8, 32);
        Assert.All(tasks, t => Assert.Equal(first.Selected(t), first.For(t) is not null));
        Assert.All(tasks, t => Assert.Equal(first.For(t), second.For(t)));
        Assert.All(auctioned, t =>
        {
            var outcome = first.For(t)!.Value;
            Assert.Equal(2, outcome.PoolSize);
            Assert.InRange(outcome.WinnerRank, 0, 1);
            Assert.True(outcome.Margin >= 0);
            Assert.True(first.CostMicros(t) > 0, "an auction's bids and jury calls cost something");
        });
        Assert.Contains(auctioned, t => first.For(t)!.Value.WinnerRank == 0);
        Assert.Contains(auctioned, t => first.For(t)!.Value.WinnerRank == 1);
        Assert.All(tasks.Except(auctioned), t => Assert.Equal(0, first.CostMicros(t)));
    }

    [Fact]
    public async Task ATinyTrainingRunWithAuctionsTrainsAndTheBenchChargesTheAuction()
    {
        var config = TrainingConfig.Tiny(20_261_201);
        config.AuctionShare = 0.5;
        var auctions = new StepPairAuctions(SimulatorModel.Default, config.AuctionShare);
        await auctions.PrepareAsync(config.Seed, config.TrainingTasksPerCell, null, CancellationToken.None);
        await auctions.PrepareAsync(config.Seed + 1, config.ValidationTasksPerCell, null, CancellationToken.None);

        var result = PolicyTrainingPipeline.Run(config, [BopoVariant.Full], auctions: auctions);
        Assert.Contains(result.Policies, p => p.Name == "bopo");

        var directory = Directory.CreateTempSubdirectory("routing-auction-policy-");
        try
        {
            foreach (var policy in result.Policies)
            {
                TrainedPolicyExport.Write(Path.Combine(directory.FullName, policy.Name), policy, result, "test");
            }

            var settings = new RoutingBenchSettings(new FrontierSettings { TasksPerCell = 3, Seed = Seed }, Only: ["always-large"], PoliciesDirectory: directory.FullName, Auctions: true);
            var held = new StepPairAuctions(SimulatorModel.Default, share: 1);
            await held.PrepareAsync(Seed, 3, null, CancellationToken.None);

            var report = RoutingBenchCommand.Run(settings, auctions: held);

            var plain = report.Strategies.Single(s => s.Name == "bopo");
            var withAuction = report.Strategies.Single(s => s.Name == "bopo+auction");
            Assert.Equal(plain.Overall.Episodes, withAuction.Overall.Episodes);
            // The auction is paid on every task whatever the policy then does, so even an identical episode costs more.
            var generator = new TaskGenerator(SimulatorModel.Default, Seed);
            var auctionCost = Enumerable.Range(0, 30).Sum(i => held.CostMicros(generator.CreateCellMajor(i, 3)));
            Assert.True(auctionCost > 0);
            Assert.True(withAuction.Overall.TotalCostMicros > auctionCost, "the +auction row's cost includes every task's auction");
            Assert.Throws<ArgumentException>(() => RoutingBenchCommand.Run(settings));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void AuctionsNeedPoliciesAndNoDollarBudget()
    {
        var problems = new RoutingBenchSettings(new FrontierSettings { TasksPerCell = 1, BudgetMicros = 50_000 }, Auctions: true).Validate();
        Assert.Contains(problems, p => p.StartsWith("--auctions feeds auction outcomes to trained policies", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("--auctions with --budget-micros", StringComparison.Ordinal));
    }
}
