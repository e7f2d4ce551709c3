using System.Globalization;
using System.Text;
using Routing.Simulation.Agents;
using Routing.Simulation.Benchmark;

namespace Routing.Simulation.Tests;

/// <summary>The frontier evaluator: determinism, bookkeeping, budgets and held-out seeds.</summary>
public sealed class FrontierEvaluatorTests
{
    private static readonly FrontierEvaluator Evaluator = new(SimulatorModel.Default);

    [Fact]
    public void SameSeedGivesTheSameFrontierWhateverTheThreadCount()
    {
        var settings = new FrontierSettings { TasksPerCell = 40, Seed = 123, Threads = 1 };
        var strategies = RoutingStrategy.Baselines();

        var one = Flatten(Evaluator.Run(settings, strategies));
        var four = Flatten(Evaluator.Run(settings with { Threads = 4 }, strategies));
        var two = Flatten(Evaluator.Run(settings with { Threads = 2 }, RoutingStrategy.Baselines()));

        Assert.Equal(one, four);
        Assert.Equal(one, two);
        Assert.NotEqual(one, Flatten(Evaluator.Run(settings with { Seed = 124 }, strategies)));
    }

    [Fact]
    public void ReportsEveryStrategyCellAndTheExpectedOrdering()
    {
        var report = Evaluator.Run(new FrontierSettings { TasksPerCell = 60, Seed = 321, Pool = AgentPool.SalePoolName }, RoutingStrategy.Baselines(0.5, 2));

        Assert.Equal("simulator", report.Source);
        Assert.Equal(["always-small", "always-large", "random(0.5)", "cascade", "first-large(2)", "oracle"], report.Strategies.Select(s => s.Name));
        var byName = report.Strategies.ToDictionary(s => s.Name);
        foreach (var s in report.Strategies)
        {
            Assert.Equal(10, s.Cells.Count);
            Assert.Equal(5, s.Bins.Count);
            Assert.Equal(2, s.Domains.Count);
            Assert.Equal(600, s.Overall.Episodes);
            Assert.Equal(s.Overall.Successes, s.Cells.Sum(c => c.Figures.Successes));
            Assert.Equal(0, s.Overall.Overruns);
        }

        Assert.Equal(0, byName["always-small"].Overall.LargeShare);
        Assert.Equal(1, byName["always-large"].Overall.LargeShare);
        Assert.Equal(1.0, byName["always-large"].CostVsAlwaysLarge);
        Assert.True(byName["always-small"].Overall.MeanCostMicros < byName["always-large"].Overall.MeanCostMicros);
        Assert.True(byName["oracle"].Overall.Successes >= byName["always-large"].Overall.Successes);
        Assert.True(byName["oracle"].Overall.TotalCostMicros <= byName["always-large"].Overall.TotalCostMicros);
    }

    [Fact]
    public void BudgetConstrainedDecodingHasNoOverrunsAndUnmaskedRunsAreCaught()
    {
        var settings = new FrontierSettings { TasksPerCell = 30, Seed = 55, BudgetMicros = 40_000, LargeCallCap = 5 };

        var masked = Evaluator.Run(settings, RoutingStrategy.Baselines());
        var unmasked = Evaluator.Run(settings with { EnforceBudget = false }, RoutingStrategy.Baselines());

        Assert.Equal(0, masked.TotalOverruns);
        Assert.All(masked.Strategies, s => Assert.True(s.Overall.LargeCalls <= 5L * s.Overall.Episodes));
        Assert.True(unmasked.Strategies.Single(s => s.Name == "always-large").Overall.Overruns > 0, "a deliberate overspend must be counted");
    }

    [Theory]
    [InlineData(20_260_501UL)]
    [InlineData(20_260_502UL)]
    [InlineData(777UL)]
    public void CalibrationSeedsAreRefused(ulong seed)
    {
        var problems = new FrontierSettings { Seed = seed }.Validate();

        Assert.Contains(problems, p => p.StartsWith("--seed", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => Evaluator.Run(new FrontierSettings { Seed = seed, TasksPerCell = 1 }, RoutingStrategy.Baselines()));
    }

    [Fact]
    public void BadSettingsAreNamed()
    {
        var problems = new FrontierSettings { TasksPerCell = 0, BudgetMicros = -1, LargeCallCap = -2, Pool = "gpt" }.Validate();

        Assert.Contains(problems, p => p.StartsWith("--tasks-per-cell", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("--budget-micros", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("--large-cap", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("--pool", StringComparison.Ordinal));
    }

    private static string Flatten(FrontierReport report)
    {
        var text = new StringBuilder();
        foreach (var s in report.Strategies)
        {
            text.Append(CultureInfo.InvariantCulture, $"{s.Name} {s.Overall} {s.CostVsAlwaysLarge:R}\n");
            foreach (var c in s.Cells)
            {
                text.Append(CultureInfo.InvariantCulture, $"  {c}\n");
            }
        }

        return text.ToString();
    }
}
