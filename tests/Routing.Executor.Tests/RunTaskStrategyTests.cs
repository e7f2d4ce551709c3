using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Routing.Contracts.Executor.V1;
using Routing.Simulation.Episodes;
using Routing.Simulation.Hosting;
using Routing.Simulation.Server;
using Routing.Training.Rollouts;
using Xunit;

namespace Routing.Executor.Tests;

/// <summary>RunTask with a strategy: pinned and mixed episodes equal the simulator's in-process episodes, and are ledgered in full.</summary>
public sealed class RunTaskStrategyTests
{
    private static Task<ExecutorStack> StartSimulatedAsync() => RunTaskTests.StartSimulatedAsync();

    [Theory]
    [InlineData("coding-3-{0}", false)]
    [InlineData("search-1-{0}.3", false)]
    [InlineData("coding-4-{0}.2", true)]
    [InlineData("search-0-{0}.1", true)]
    public async Task RunTaskPinnedToOneAgentPlaysTheInProcessEpisodeOfTheSameTaskAndAttempt(string pattern, bool largest)
    {
        await using var stack = await StartSimulatedAsync();
        var simulator = stack.Services.GetRequiredService<SimulatedBackend>();
        var agent = largest ? simulator.Pool.Largest : simulator.Pool.Smallest;
        var name = simulator.Pool[agent].Name;
        var taskId = string.Format(System.Globalization.CultureInfo.InvariantCulture, pattern, Random.Shared.Next(1_000_000)) + "~pin";
        Assert.True(SimTaskId.TryParse(taskId, out var id, out var reason), reason);

        var (steps, finished, end) = await RunAsync(stack, new RunTaskRequest { TaskId = taskId, LimitMicros = 100_000_000, Agent = name });
        var expected = new EpisodeRunner(simulator.Model, simulator.Pool).Run(simulator.TaskOf(id), new FixedAgentRouter(agent), id.Attempt);

        Assert.All(steps, s => Assert.Equal((name, RoutingReason.Pinned), (s.Decision.Agent, s.Decision.Reason)));
        Assert.Equal((expected.Success, expected.Steps, expected.CostMicros), (finished.Outcome.Success, steps.Count, steps.Sum(s => s.CostMicros)));
        Assert.Equal(SimulatedBackend.Describe(expected.End), end);
        var ledger = await stack.LedgerAsync(taskId);
        Assert.Equal(steps.Sum(s => s.CostMicros), ledger.CommittedMicros);
        Assert.Equal(ledger.CommittedMicros, finished.CommittedMicros);
        Assert.Equal(0, ledger.OverrunMicros);
    }

    [Fact]
    public async Task RunTaskWithTheMixedStrategyChoosesAsTheTrainersMixedRouter()
    {
        await using var stack = await StartSimulatedAsync();
        var simulator = stack.Services.GetRequiredService<SimulatedBackend>();
        var (small, large) = (simulator.Pool[simulator.Pool.Smallest].Name, simulator.Pool[simulator.Pool.Largest].Name);
        var index = Random.Shared.Next(1_000_000);
        foreach (var (p, seed) in new[] { (0.3, 17UL), (0.7, 99UL) })
        {
            var taskId = $"coding-3-{index}.1~mix{seed}";
            Assert.True(SimTaskId.TryParse(taskId, out var id, out var reason), reason);
            var request = new RunTaskRequest { TaskId = taskId, LimitMicros = 100_000_000, Mixed = new MixedStrategy { SmallAgent = small, LargeAgent = large, LargeProbability = p, Seed = seed } };

            var (steps, finished, _) = await RunAsync(stack, request);
            var trace = new List<Simulation.Observations.StepObservation>();
            var expected = new EpisodeRunner(simulator.Model, simulator.Pool).Run(simulator.TaskOf(id), new MixedRouter(p, seed), id.Attempt, trace);

            Assert.Equal((expected.Success, expected.Steps, expected.CostMicros), (finished.Outcome.Success, steps.Count, steps.Sum(s => s.CostMicros)));
            Assert.Equal(expected.CallsOnLargest, steps.Count(s => s.Decision.Agent == large));
            Assert.All(steps, s => Assert.Equal(RoutingReason.Pinned, s.Decision.Reason));
        }
    }

    [Theory]
    [InlineData("agent")]
    [InlineData("mixed.small_agent")]
    [InlineData("mixed.large_agent")]
    [InlineData("mixed.large_probability")]
    public async Task ABadStrategyIsNamedAndOpensNothing(string field)
    {
        await using var stack = await StartSimulatedAsync();
        var simulator = stack.Services.GetRequiredService<SimulatedBackend>();
        var known = simulator.Pool[0].Name;
        var taskId = $"coding-1-{Random.Shared.Next(1_000_000)}";
        var request = new RunTaskRequest { TaskId = taskId, LimitMicros = 1_000_000 };
        switch (field)
        {
            case "agent":
                request.Agent = "no-such-agent";
                break;
            default:
                request.Mixed = new MixedStrategy
                {
                    SmallAgent = field == "mixed.small_agent" ? "no-such-agent" : known,
                    LargeAgent = field == "mixed.large_agent" ? "" : known,
                    LargeProbability = field == "mixed.large_probability" ? 1.5 : 0.5,
                };
                break;
        }

        using var call = stack.Client.RunTask(request, ExecutorStack.Acme);
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith(field + " ", error.Status.Detail, StringComparison.Ordinal);
        var get = await Assert.ThrowsAsync<RpcException>(() => stack.Client.GetTaskAsync(new GetTaskRequest { TaskId = taskId }, ExecutorStack.Acme).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, get.StatusCode);
    }

    [Fact]
    public async Task APinnedEpisodeTheBudgetStopsEndsAsBudgetExhaustedWithinTheLimit()
    {
        await using var stack = await StartSimulatedAsync();
        var simulator = stack.Services.GetRequiredService<SimulatedBackend>();
        var taskId = $"coding-4-{Random.Shared.Next(1_000_000)}~budget";

        var (steps, finished, end) = await RunAsync(stack, new RunTaskRequest { TaskId = taskId, LimitMicros = 20_000, Agent = simulator.Pool[simulator.Pool.Largest].Name });

        Assert.Equal(SimulatedEpisodeRunner.BudgetExhaustedEnd, end);
        Assert.False(finished.Outcome.Success);
        Assert.Equal(steps.Sum(s => s.CostMicros), finished.CommittedMicros);
        Assert.True(finished.CommittedMicros <= 20_000);
    }

    [Fact]
    public async Task ListAgentsReportsTheSimulatorSeedOfASimulatedPool()
    {
        await using var stack = await StartSimulatedAsync();
        var agents = await stack.Client.ListAgentsAsync(new ListAgentsRequest(), ExecutorStack.Acme);

        Assert.True(agents.HasSimulatorSeed);
        Assert.Equal(stack.Services.GetRequiredService<SimulatedBackend>().Seed, agents.SimulatorSeed);
        Assert.Equal("acme", agents.Tenant);
    }

    private static async Task<(List<StepResponse> Steps, TaskInfo Finished, string End)> RunAsync(ExecutorStack stack, RunTaskRequest request)
    {
        using var call = stack.Client.RunTask(request, ExecutorStack.Acme);
        var events = new List<RunTaskEvent>();
        await foreach (var e in call.ResponseStream.ReadAllAsync())
        {
            events.Add(e);
        }
        return ([.. events.Where(e => e.EventCase == RunTaskEvent.EventOneofCase.Step).Select(e => e.Step)], events[^1].Finished, events[^1].End);
    }
}
