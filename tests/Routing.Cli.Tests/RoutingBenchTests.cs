using System.Text.Json;
using Routing.Cli.Bench;
using Routing.Simulation.Benchmark;
using Xunit;

namespace Routing.Cli.Tests;

/// <summary><c>routing bench routing</c> on a tiny held-out set: every strategy reaches the JSON, budgets hold.</summary>
public sealed class RoutingBenchTests
{
    [Fact]
    public void TinyRunReportsEveryStrategyInTheJson()
    {
        var settings = new RoutingBenchSettings(new FrontierSettings { TasksPerCell = 5, Seed = 99_001 }, FirstLargeSteps: 2);

        var report = RoutingBenchCommand.Run(settings);
        using var json = JsonDocument.Parse(RoutingBenchCommand.ToJson(report));

        var root = json.RootElement;
        Assert.Equal("routing", root.GetProperty("benchmark").GetString());
        Assert.Equal("simulator", root.GetProperty("source").GetString());
        var names = root.GetProperty("strategies").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToList();
        Assert.Equal(["always-small", "always-large", "random(0.5)", "cascade", "first-large(2)", "oracle"], names);
        foreach (var strategy in root.GetProperty("strategies").EnumerateArray())
        {
            Assert.Equal(10, strategy.GetProperty("cells").GetArrayLength());
            Assert.Equal(5, strategy.GetProperty("bins").GetArrayLength());
            var cell = strategy.GetProperty("cells")[0];
            foreach (var field in new[] { "success", "cost_usd", "large_share", "overruns" })
            {
                Assert.True(cell.TryGetProperty(field, out _), $"cell lacks {field}");
            }
        }
    }

    [Fact]
    public void BudgetedRunHasNoOverrunsAndSubsetsWork()
    {
        var settings = new RoutingBenchSettings(
            new FrontierSettings { TasksPerCell = 5, Seed = 99_002, BudgetMicros = 30_000, LargeCallCap = 5 },
            Only: ["always-large", "first-large"]);

        var report = RoutingBenchCommand.Run(settings);

        Assert.Equal(["always-large", "first-large(1)"], report.Strategies.Select(s => s.Name));
        Assert.Equal(0, report.TotalOverruns);
    }

    [Fact]
    public void BadArgumentsAreNamed()
    {
        var problems = new RoutingBenchSettings(new FrontierSettings { TasksPerCell = 0, BudgetMicros = -5 }, RandomLargeProbability: 2, Only: ["sale"]).Validate();

        Assert.Contains(problems, p => p.StartsWith("--tasks-per-cell", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("--budget-micros", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("--random-p", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("unknown strategy 'sale'", StringComparison.Ordinal));
    }

    [Fact]
    public void CostPreferencesNeedPoliciesAndNumbersInRange()
    {
        var withoutPolicies = new RoutingBenchSettings(new FrontierSettings { TasksPerCell = 1 }, CostPreferences: ["0.5"]).Validate();
        Assert.Contains(withoutPolicies, p => p.StartsWith("--cost-preferences applies to trained policies", StringComparison.Ordinal));

        var policies = Directory.CreateTempSubdirectory("routing-policies-");
        try
        {
            var bad = new RoutingBenchSettings(new FrontierSettings { TasksPerCell = 1 }, PoliciesDirectory: policies.FullName, CostPreferences: ["-1", "x", "1001", "NaN"]).Validate();
            foreach (var text in new[] { "-1", "x", "1001", "NaN" })
            {
                Assert.Contains(bad, p => p.Contains($"'{text}' is not a number between 0 and 1000", StringComparison.Ordinal));
            }
        }
        finally
        {
            policies.Delete(recursive: true);
        }
    }
}
