using System.CommandLine;
using Routing.Cli.Bench;
using Routing.Cli.Commands;
using Routing.Simulation.Benchmark;
using Xunit;

namespace Routing.Cli.Tests;

/// <summary><c>routing train policy --tiny</c> end to end: trains, writes and publishes models that the routing bench runs.</summary>
public sealed class TrainPolicyCommandTests
{
    [Fact]
    public async Task ATinyRunWritesEveryPolicyAndTheRoutingBenchRunsThemUnderACap()
    {
        var directory = Directory.CreateTempSubdirectory("routing-train-");
        try
        {
            var outDir = Path.Combine(directory.FullName, "policies");
            var publishDir = Path.Combine(directory.FullName, "models");

            var exit = await Invoke("train", "policy", "--tiny", "--ablations", "--out", outDir, "--publish", publishDir, "--version", "v7");

            Assert.Equal(0, exit);
            Assert.True(File.Exists(Path.Combine(publishDir, "v7", "model.onnx")));
            Assert.True(File.Exists(Path.Combine(publishDir, "v7", "manifest.json")));
            var settings = new RoutingBenchSettings(new FrontierSettings { TasksPerCell = 3, Seed = 99_003, LargeCallCap = 5 }, Only: ["first-large"], PoliciesDirectory: outDir);
            var report = RoutingBenchCommand.Run(settings);
            Assert.Equal(["first-large(1)", "sft-only", "bopo", "bopo-no-ref", "bopo-no-hard", "vanilla-rl"], report.Strategies.Select(s => s.Name));
            Assert.Equal(0, report.TotalOverruns);

            // Operating points: λ 0 is the plain row; at λ 2 the large model can never win (its probability edge is
            // at most 1, its cost term 2 × (1 − the pair's cost ratio) > 1), whatever the network says.
            var points = RoutingBenchCommand.Run(new RoutingBenchSettings(
                new FrontierSettings { TasksPerCell = 3, Seed = 99_003 }, Only: ["always-small"], PoliciesDirectory: outDir, CostPreferences: ["0", "2"]));
            var bopo = points.Strategies.Single(s => s.Name == "bopo");
            var bopoAt2 = points.Strategies.Single(s => s.Name == "bopo@2");
            Assert.Equal(0, bopoAt2.Overall.LargeCalls);
            Assert.Equal(points.Strategies.Single(s => s.Name == "always-small").Overall, bopoAt2.Overall);
            Assert.Equal(report.Strategies.Count(s => s.Name.StartsWith("bopo", StringComparison.Ordinal)) * 2, points.Strategies.Count(s => s.Name.StartsWith("bopo", StringComparison.Ordinal)));
            Assert.True(bopo.Overall.Episodes > 0);

            Assert.NotEqual(0, await Invoke("train", "policy", "--tiny", "--publish", publishDir, "--version", "v7"));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("--config", "/nonexistent/config.json")]
    [InlineData("--tiny", "--config", "/nonexistent/config.json")]
    [InlineData("--tiny", "--seed", "31415926")]
    [InlineData("--tiny", "--version", "bad/name")]
    [InlineData("--tiny", "--threads", "0")]
    public async Task BadArgumentsExitNonZeroBeforeTraining(params string[] args) =>
        Assert.NotEqual(0, await Invoke(["train", "policy", .. args]));

    private static Task<int> Invoke(params string[] args) => new RootCommand { TrainCommand.Create() }.Parse(args).InvokeAsync();
}
