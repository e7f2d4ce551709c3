using System.CommandLine;
using System.Text.Json;
using Routing.Cli.Commands;
using Routing.Simulation;
using Xunit;

namespace Routing.Cli.Tests;

/// <summary><c>routing sim fit</c> writes a parameters file the simulator loads; bad arguments exit non-zero.</summary>
public sealed class SimCommandTests
{
    [Fact]
    public async Task FitWritesAParametersFileTheSimulatorLoads()
    {
        var directory = Directory.CreateTempSubdirectory("routing-sim-fit-");
        try
        {
            var targets = Path.Combine(directory.FullName, "targets.json");
            await File.WriteAllTextAsync(targets, TargetsJson("qwen3-4b", "qwen3-32b"));
            var output = Path.Combine(directory.FullName, "out", "sim-params.json");

            var exit = await Invoke("sim", "fit", "--targets", targets, "--episodes-per-cell", "200", "--seed", "5", "--out", output);

            Assert.Equal(0, exit);
            var parameters = SimulatorModel.ParseParameters(await File.ReadAllTextAsync(output));
            var model = new SimulatorModel(parameters);
            Assert.Equal(200, parameters.FittedTo.EpisodesPerCell);
            Assert.Equal(5UL, parameters.FittedTo.FitSeed);
            Assert.Equal(10, parameters.FitReport.Count);
            Assert.All(parameters.FitReport, c => Assert.InRange(Math.Abs(c.Error), 0, 15));
            Assert.Equal(4, model.SalePool.Count);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void FitReadsTheCommittedTargetsByDefault()
    {
        var parse = new RootCommand { SimCommand.Create() }.Parse(["sim", "fit"]);

        Assert.Empty(parse.Errors);
        Assert.Equal(SimCommand.CommittedTargetsPath, parse.GetValue<string>("--targets"));
        Assert.DoesNotContain("..", SimCommand.CommittedTargetsPath, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sim", "fit", "--episodes-per-cell", "50")]
    [InlineData("sim", "fit", "--targets", "/nonexistent/targets.json", "--episodes-per-cell", "100")]
    [InlineData("sim", "serve", "--port", "70000")]
    [InlineData("sim", "serve", "--max-tasks", "0")]
    [InlineData("sim", "serve", "--params", "/nonexistent/params.json")]
    public async Task BadArgumentsExitNonZero(params string[] args)
    {
        Assert.NotEqual(0, await Invoke(args));
    }

    private static Task<int> Invoke(params string[] args) => new RootCommand { SimCommand.Create() }.Parse(args).InvokeAsync();

    /// <summary>A targets file in the HST format for the search domain, built from the shipped copy of the targets.</summary>
    private static string TargetsJson(params string[] agents)
    {
        var parameters = SimulatorModel.Default.Parameters;
        var search = parameters.Targets["search"];
        var passAt1 = agents.ToDictionary(a => a, a => new { values = search[a].Values, provenance = search[a].Provenance });
        var dto = new Dictionary<string, object>
        {
            ["tasks_per_bin"] = new Dictionary<string, IReadOnlyList<int>> { ["search"] = parameters.Domains[0].TasksPerBin },
            ["prices_usd_per_mtok"] = agents.ToDictionary(a => a, a => parameters.Agents.Single(x => x.Name == a).PriceInMicrosPerMTok / 1e6),
            ["pass_at_1"] = new Dictionary<string, object> { ["search"] = passAt1 },
        };
        return JsonSerializer.Serialize(dto);
    }
}
