using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Routing.Cli.Commands;
using Routing.Cli.Hosting;
using Routing.Cli.Training;
using Routing.Contracts.Budget.V1;
using Routing.Simulation;
using Routing.Simulation.Tasks;
using Routing.Training.Boundary;
using Routing.Training.Pipeline;
using Xunit;

namespace Routing.Cli.Tests;

/// <summary>
/// <c>routing train policy --via-executor</c> against the services <c>routing up</c> starts, on loopback: the boundary
/// rollouts played as pinned RunTask episodes and the SFT sweep played with RunTask's mixed strategy equal the in-process
/// ones for the same tasks and attempts.
/// </summary>
public sealed class TrainViaExecutorTests
{
    private static readonly ulong Seed = new TrainingConfig().Seed;

    /// <summary>The tiny configuration on two tasks per cell: 20 tasks × 3 attempts × 2 boundary policies through RunTask, and the hard tasks' sweep.</summary>
    private static TrainingConfig Config() => TrainingConfig.Tiny(Seed) with { TrainingTasksPerCell = 2, ValidationTasksPerCell = 2, AuctionShare = 0 };

    // Every test assembly runs at once on CI's two cores: the production deadlines (budget 2 s) can pass there, and a
    // refused step ends the run (a cut-short boundary episode would mislabel its task), so the deadlines are generous.
    private static Task<LocalStack> StartAsync(ulong simulatorSeed) => LocalStack.StartAsync(null, "127.0.0.1", anyPorts: true, "none", CancellationToken.None,
        new Dictionary<string, string?>
        {
            ["Routing:AgentPool:SimulatorSeed"] = simulatorSeed.ToString(CultureInfo.InvariantCulture),
            ["Routing:Executor:BudgetTimeoutMilliseconds"] = "30000",
            ["Routing:Executor:PolicyTimeoutMilliseconds"] = "30000",
        });

    [Fact]
    public async Task BoundaryRolloutsThroughTheExecutorEqualTheInProcessRolloutsAndTrainAPolicy()
    {
        var config = Config();
        var directory = Directory.CreateTempSubdirectory("routing-via-executor-");
        try
        {
            await using var stack = await StartAsync(Seed);
            using var source = await ExecutorBoundarySource.ConnectAsync(stack.Executor.GrpcAddress, LocalStack.DevApiKey, Seed, 4, CancellationToken.None);
            var viaExecutor = PolicyTrainingPipeline.Run(config, [], rollouts: source);
            var inProcess = PolicyTrainingPipeline.Run(config, []);

            Assert.Equal(LocalStack.DevTenant, source.Tenant);
            Assert.Equal(source.Description, viaExecutor.BoundarySource);
            Assert.Equal(inProcess.Boundary.Count, viaExecutor.Boundary.Count);
            for (var t = 0; t < inProcess.Boundary.Count; t++)
            {
                Assert.Equal(inProcess.Boundary[t].Task.Seed, viaExecutor.Boundary[t].Task.Seed);
                Assert.Equal(inProcess.Boundary[t].SmallSuccess, viaExecutor.Boundary[t].SmallSuccess);
                Assert.Equal(inProcess.Boundary[t].SmallCost, viaExecutor.Boundary[t].SmallCost);
                Assert.Equal(inProcess.Boundary[t].LargeSuccess, viaExecutor.Boundary[t].LargeSuccess);
                Assert.Equal(inProcess.Boundary[t].LargeCost, viaExecutor.Boundary[t].LargeCost);
            }
            // Not a degenerate check: some tasks are hard (so the sweep ran through the executor) and both boundary policies cost something.
            Assert.True(inProcess.ClassCounts[(int)DifficultyClass.Hard] > 0);
            Assert.All(inProcess.Boundary, r => Assert.True(r.SmallMeanCost > 0 && r.LargeMeanCost > r.SmallMeanCost));
            // The SFT sweep through the executor picks the same demonstrations: the same data set and the same behaviour clone.
            Assert.Equal(inProcess.SftSamples, viaExecutor.SftSamples);
            Assert.Equal(inProcess.SftFinalLoss, viaExecutor.SftFinalLoss);
            Assert.Equal(inProcess.Policies[0].Validation, viaExecutor.Policies[0].Validation);

            var configFile = Path.Combine(directory.FullName, "config.json");
            await File.WriteAllTextAsync(configFile, config.ToJson());
            var outDir = Path.Combine(directory.FullName, "policies");
            Assert.Equal(0, await Invoke("train", "policy", "--config", configFile, "--via-executor", stack.Executor.GrpcAddress, "--api-key", LocalStack.DevApiKey, "--out", outDir));

            var provenance = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "bopo", "manifest.json"))).RootElement.GetProperty("provenance");
            var data = provenance.GetProperty("training_data").GetString()!;
            var counts = inProcess.ClassCounts;
            Assert.Contains($"boundary K={config.BoundaryAttempts} and SFT sweep played through the executor at {stack.Executor.GrpcAddress} (tenant 'dev'", data, StringComparison.Ordinal);
            Assert.Contains($"easy {counts[0]}, hard {counts[1]}, intractable {counts[2]}", data, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task AnUnreachableExecutorARefusedKeyAWrongSeedAndAnExhaustedBudgetStopWithAMessage()
    {
        var config = Config();
        await using var stack = await StartAsync(Seed);
        var address = stack.Executor.GrpcAddress;

        var unreachable = await Assert.ThrowsAsync<ExecutorRolloutException>(() => ExecutorBoundarySource.ConnectAsync("http://127.0.0.1:1", LocalStack.DevApiKey, Seed, 1, CancellationToken.None));
        Assert.StartsWith("executor unreachable at http://127.0.0.1:1", unreachable.Message, StringComparison.Ordinal);
        var refused = await Assert.ThrowsAsync<ExecutorRolloutException>(() => ExecutorBoundarySource.ConnectAsync(address, "sk-not-a-key", Seed, 1, CancellationToken.None));
        Assert.StartsWith("authentication failed", refused.Message, StringComparison.Ordinal);
        var seed = await Assert.ThrowsAsync<ExecutorRolloutException>(() => ExecutorBoundarySource.ConnectAsync(address, LocalStack.DevApiKey, Seed + 2, 1, CancellationToken.None));
        Assert.Contains($"Routing__AgentPool__SimulatorSeed={Seed + 2}", seed.Message, StringComparison.Ordinal);

        // The tenant's ceiling leaves room for a few steps only: the rollouts stop instead of recording cut-short episodes.
        using (var channel = stack.Tokens.OpenChannel(stack.Budget.GrpcAddress, admin: true))
        {
            await new BudgetService.BudgetServiceClient(channel).SetTenantCeilingAsync(new SetTenantCeilingRequest { Tenant = LocalStack.DevTenant, CeilingMicros = 30_000, WindowSeconds = 3_600 });
        }
        using var source = await ExecutorBoundarySource.ConnectAsync(address, LocalStack.DevApiKey, Seed, 1, CancellationToken.None);
        var task = new TrainingTask(new TaskGenerator(SimulatorModel.Default, Seed).Create(Domain.Coding, 4, 0), 0);
        var exhausted = Assert.Throws<ExecutorRolloutException>(() => source.Run([task], 1, config.TaxonomyThreshold, null, CancellationToken.None));
        Assert.StartsWith("budget exhausted", exhausted.Message, StringComparison.Ordinal);

        Assert.Equal(2, await Invoke("train", "policy", "--tiny", "--via-executor", "http://127.0.0.1:1", "--api-key", LocalStack.DevApiKey));
        Assert.Equal(2, await Invoke("train", "policy", "--tiny", "--via-executor", "not an address", "--api-key", LocalStack.DevApiKey));
        Assert.Equal(2, await Invoke("train", "policy", "--tiny", "--via-executor", address, "--api-key", LocalStack.DevApiKey, "--episodes", "episodes.jsonl"));
        Assert.Equal(2, await Invoke("train", "policy", "--tiny", "--via-executor", address, "--api-key", LocalStack.DevApiKey, "--concurrency", "0"));
    }

    private static Task<int> Invoke(params string[] args) => new RootCommand { TrainCommand.Create() }.Parse(args).InvokeAsync();
}
