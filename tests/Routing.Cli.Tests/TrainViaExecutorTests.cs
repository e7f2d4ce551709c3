using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Grpc.Net.Client;
using Routing.Cli.Commands;
using Routing.Cli.Hosting;
using Routing.Cli.Training;
using Routing.Contracts.Budget.V1;
using Routing.Simulation;
using Routing.Simulation.Episodes;
using Routing.Simulation.Tasks;
using Routing.Training.Boundary;
using Routing.Training.Pipeline;
using Xunit;

namespace Routing.Cli.Tests;

/// <summary>
/// <c>routing train policy --via-executor</c> against the services <c>routing up</c> starts, on loopback: the boundary
/// rollouts played as pinned RunTask episodes equal the in-process rollouts of the same tasks and attempts.
/// </summary>
public sealed class TrainViaExecutorTests
{
    private static readonly ulong Seed = new TrainingConfig().Seed;

    /// <summary>The tiny configuration on two tasks per cell: 20 tasks × 3 attempts × 2 boundary policies through RunTask.</summary>
    private static TrainingConfig Config() => TrainingConfig.Tiny(Seed) with { TrainingTasksPerCell = 2, ValidationTasksPerCell = 2 };

    private static Task<LocalStack> StartAsync(ulong simulatorSeed) => LocalStack.StartAsync(null, "127.0.0.1", anyPorts: true, "none", CancellationToken.None,
        new Dictionary<string, string?> { ["Routing:AgentPool:SimulatorSeed"] = simulatorSeed.ToString(CultureInfo.InvariantCulture) });

    [Fact]
    public async Task BoundaryRolloutsThroughTheExecutorEqualTheInProcessRolloutsAndTrainAPolicy()
    {
        var config = Config();
        var directory = Directory.CreateTempSubdirectory("routing-via-executor-");
        try
        {
            await using var stack = await StartAsync(Seed);
            var model = SimulatorModel.Default;
            var generator = new TaskGenerator(model, Seed);
            var tasks = new List<TrainingTask>();
            for (var d = 0; d < TaskSpace.DomainCount; d++)
            {
                for (var b = 0; b < TaskSpace.BinCount; b++)
                {
                    for (var i = 0; i < config.TrainingTasksPerCell; i++)
                    {
                        tasks.Add(new TrainingTask(generator.Create((Domain)d, b, i), i));
                    }
                }
            }

            using var source = await ExecutorBoundarySource.ConnectAsync(stack.Executor.GrpcAddress, LocalStack.DevApiKey, Seed, 4, CancellationToken.None);
            var done = 0;
            var viaExecutor = source.Run(tasks, config.BoundaryAttempts, config.TaxonomyThreshold, () => Interlocked.Increment(ref done), CancellationToken.None);
            var inProcess = BoundaryRollouts.Run(new EpisodeRunner(model, model.StepPair), [.. tasks.Select(t => t.Task)], config.BoundaryAttempts, config.TaxonomyThreshold, 2);

            Assert.Equal(tasks.Count, done);
            Assert.Equal(LocalStack.DevTenant, source.Tenant);
            for (var t = 0; t < tasks.Count; t++)
            {
                Assert.Equal(inProcess[t].SmallSuccess, viaExecutor[t].SmallSuccess);
                Assert.Equal(inProcess[t].SmallCost, viaExecutor[t].SmallCost);
                Assert.Equal(inProcess[t].LargeSuccess, viaExecutor[t].LargeSuccess);
                Assert.Equal(inProcess[t].LargeCost, viaExecutor[t].LargeCost);
            }
            // Not a degenerate check: the tasks differ in outcome and both boundary policies cost something.
            Assert.Contains(inProcess, r => r.SmallSuccessRate != r.LargeSuccessRate);
            Assert.All(inProcess, r => Assert.True(r.SmallMeanCost > 0 && r.LargeMeanCost > r.SmallMeanCost));

            var configFile = Path.Combine(directory.FullName, "config.json");
            await File.WriteAllTextAsync(configFile, config.ToJson());
            var outDir = Path.Combine(directory.FullName, "policies");
            Assert.Equal(0, await Invoke("train", "policy", "--config", configFile, "--via-executor", stack.Executor.GrpcAddress, "--api-key", LocalStack.DevApiKey, "--out", outDir));

            var provenance = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "bopo", "manifest.json"))).RootElement.GetProperty("provenance");
            var data = provenance.GetProperty("training_data").GetString()!;
            var counts = BoundaryRollouts.ClassCounts(inProcess);
            Assert.Contains($"boundary K={config.BoundaryAttempts} played through the executor at {stack.Executor.GrpcAddress} (tenant 'dev'", data, StringComparison.Ordinal);
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
        using (var channel = GrpcChannel.ForAddress(stack.Budget.GrpcAddress))
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
