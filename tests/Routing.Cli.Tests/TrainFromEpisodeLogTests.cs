using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Routing.Cli.Commands;
using Routing.Cli.Hosting;
using Routing.Contracts.Executor.V1;
using Routing.Executor.Options;
using Routing.Simulation.Episodes;
using Routing.Simulation.Server;
using Routing.Training.Episodes;
using Routing.Training.Pipeline;
using Xunit;

namespace Routing.Cli.Tests;

/// <summary>
/// The episode-log round trip: boundary episodes played through a running executor (every step pinned over gRPC),
/// exported with <c>routing export episodes</c>, and trained on with <c>routing train policy --episodes</c>.
/// </summary>
public sealed class TrainFromEpisodeLogTests
{
    private static readonly string[] Tasks = ["coding-0-11", "search-2-12", "coding-4-13"];

    [Fact]
    public async Task EpisodesPlayedThroughTheExecutorExportAndTrainAnSftPolicy()
    {
        var directory = Directory.CreateTempSubdirectory("routing-episodes-");
        try
        {
            await using var stack = await LocalStack.StartAsync(null, "127.0.0.1", anyPorts: true, "none", CancellationToken.None);
            using var channel = GrpcChannel.ForAddress(stack.Executor.GrpcAddress);
            var client = new ExecutorService.ExecutorServiceClient(channel);
            var auth = new Metadata { { "authorization", $"Bearer {LocalStack.DevApiKey}" } };
            var agents = (await client.ListAgentsAsync(new ListAgentsRequest(), auth)).Agents;
            var smallest = agents.MinBy(a => a.TierRank)!;
            var largest = agents.MaxBy(a => a.TierRank)!;
            var simulator = stack.Executor.App.Services.GetRequiredService<SimulatedBackend>();
            // The simulator keeps one episode per task id and attempt, so each boundary run gets its own attempt.
            foreach (var task in Tasks)
            {
                for (var attempt = 0; attempt < 4; attempt++)
                {
                    await PlayPinnedAsync(client, auth, simulator, $"{task}.{attempt}", attempt < 2 ? smallest.Name : largest.Name);
                }
            }
            // A policy-routed episode of the first task: it must not count as a boundary run.
            using (var run = client.RunTask(new RunTaskRequest { TaskId = $"{Tasks[0]}.9", LimitMicros = 10_000_000 }, auth))
            {
                await foreach (var _ in run.ResponseStream.ReadAllAsync())
                {
                }
            }

            var log = Path.Combine(directory.FullName, "episodes.jsonl");
            var prefix = stack.Executor.App.Services.GetRequiredService<IOptions<ExecutorOptions>>().Value.KeyPrefix;
            Assert.Equal(0, await Invoke(ExportCommand.Create(), "export", "episodes", "--redis", stack.RedisConnectionString, "--key-prefix", prefix, "--out", log));

            var firstStep = JsonDocument.Parse(File.ReadLines(log).First()).RootElement;
            Assert.Equal(largest.TierRank, firstStep.GetProperty("largest_tier").GetInt32());
            var data = EpisodeLogBoundary.Build(log, EpisodeLogReader.Read(log), 0.5, TrainingConfig.Tiny(1).Sft);
            Assert.Equal(Tasks.Order(StringComparer.Ordinal), data.Tasks.Select(t => t.Task).Order(StringComparer.Ordinal));
            Assert.All(data.Tasks, t => Assert.Equal((2, 2), (t.SmallRuns, t.LargeRuns)));
            Assert.Equal(3, data.ClassCounts.Sum());
            Assert.True(data.Samples.Count > 0);

            var outDir = Path.Combine(directory.FullName, "policies");
            Assert.Equal(0, await Invoke(TrainCommand.Create(), "train", "policy", "--episodes", log, "--tiny", "--out", outDir));
            Assert.True(File.Exists(Path.Combine(outDir, "sft-only", "model.onnx")));
            var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "sft-only", "manifest.json"))).RootElement;
            Assert.Contains("episode log episodes.jsonl", manifest.GetProperty("provenance").GetProperty("training_data").GetString(), StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(outDir, "bopo")));

            Assert.Equal(2, await Invoke(TrainCommand.Create(), "train", "policy", "--episodes", log, "--tiny", "--ablations"));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task AMissingOrUnusableLogExitsWithTwo()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"routing-no-such-{Guid.NewGuid():N}.jsonl");
        Assert.Equal(2, await Invoke(TrainCommand.Create(), "train", "policy", "--tiny", "--episodes", missing));

        var bad = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(bad, "{\"kind\":\"step\"\n");
            Assert.Equal(2, await Invoke(TrainCommand.Create(), "train", "policy", "--tiny", "--episodes", bad));
        }
        finally
        {
            File.Delete(bad);
        }
    }

    /// <summary>Plays one simulated task to its end with every step pinned to <paramref name="agent"/>, then reports the outcome.</summary>
    private static async Task PlayPinnedAsync(ExecutorService.ExecutorServiceClient client, Metadata auth, SimulatedBackend simulator, string taskId, string agent)
    {
        Assert.True(SimTaskId.TryParse(taskId, out var id, out var reason), reason);
        var task = simulator.TaskOf(id);
        var text = task.Describe();
        await client.OpenTaskAsync(new OpenTaskRequest { TaskId = taskId, LimitMicros = 10_000_000, Horizon = task.Horizon, TaskText = text }, auth);
        var runner = new EpisodeRunner(simulator.Model, simulator.Pool);
        var played = new List<int>();
        var observation = "";
        var success = false;
        for (var step = 0; step < task.Horizon; step++)
        {
            var request = new StepRequest { TaskId = taskId, Agent = agent, IdempotencyKey = string.Create(CultureInfo.InvariantCulture, $"{taskId}-{step}") };
            request.Messages.Add(new ChatMessage { Role = "user", Content = text });
            if (observation.Length > 0)
            {
                request.Messages.Add(new ChatMessage { Role = "tool", Content = observation });
            }

            var response = await client.StepAsync(request, auth);
            Assert.Equal(RoutingReason.Pinned, response.Decision.Reason);
            played.Add(simulator.AgentIndex(response.Decision.Model));
            observation = response.Content;
            var result = runner.Run(task, new ReplayRouter(played), id.Attempt);
            if (result.End != EpisodeEnd.StoppedByRouter)
            {
                success = result.Success;
                break;
            }
        }

        await client.CompleteTaskAsync(new CompleteTaskRequest { TaskId = taskId, Outcome = new Outcome { Success = success } }, auth);
    }

    private static Task<int> Invoke(Command command, params string[] args) => new RootCommand { command }.Parse(args).InvokeAsync();
}
