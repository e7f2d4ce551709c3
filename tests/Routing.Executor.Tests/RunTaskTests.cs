using Grpc.Core;
using Routing.Contracts.Executor.V1;
using Xunit;

namespace Routing.Executor.Tests;

public sealed class RunTaskTests
{
    /// <summary>The executor over the in-process simulator's agents, as <c>routing up</c> runs it.</summary>
    internal static Task<ExecutorStack> StartSimulatedAsync() => ExecutorStack.StartAsync(settings: new Dictionary<string, string?>
    {
        ["Routing:AgentPool:File"] = "",
        ["Routing:AgentPool:UseSimulator"] = "true",
        ["Routing:Executor:FallbackAgent"] = "",
        ["Routing:Executor:InputTokenFloor"] = "65536",
    });

    [Fact]
    public async Task RunTaskPlaysASimulatedEpisodeToItsEndWithinTheBudget()
    {
        await using var stack = await StartSimulatedAsync();
        var taskId = $"coding-2-{Random.Shared.Next(1_000_000)}";

        using var call = stack.Client.RunTask(new RunTaskRequest { TaskId = taskId, LimitMicros = 2_000_000 }, ExecutorStack.Acme);
        var events = new List<RunTaskEvent>();
        await foreach (var e in call.ResponseStream.ReadAllAsync())
        {
            events.Add(e);
        }

        var steps = events.Where(e => e.EventCase == RunTaskEvent.EventOneofCase.Step).Select(e => e.Step).ToList();
        var finished = events[^1].Finished;
        Assert.NotEmpty(steps);
        Assert.True(finished.Completed);
        Assert.Equal(steps.Count, finished.Steps);
        Assert.Equal(Enumerable.Range(0, steps.Count), steps.Select(s => s.StepIndex));
        Assert.Equal(steps.Sum(s => s.CostMicros), finished.CommittedMicros);
        Assert.Equal(0, finished.OverrunMicros);
        Assert.True(finished.CommittedMicros <= 2_000_000);
    }

    [Fact]
    public async Task RunTaskStopsWhenTheBudgetRefusesAStep()
    {
        await using var stack = await StartSimulatedAsync();
        var taskId = $"search-4-{Random.Shared.Next(1_000_000)}";

        using var call = stack.Client.RunTask(new RunTaskRequest { TaskId = taskId, LimitMicros = 20_000 }, ExecutorStack.Acme);
        var events = new List<RunTaskEvent>();
        await foreach (var e in call.ResponseStream.ReadAllAsync())
        {
            events.Add(e);
        }

        var finished = events[^1].Finished;
        Assert.True(finished.Completed);
        Assert.True(finished.CommittedMicros <= 20_000);
        Assert.Equal(0, finished.OverrunMicros);
    }

    [Fact]
    public async Task RunTaskNamesABadTaskId()
    {
        await using var stack = await StartSimulatedAsync();

        using var call = stack.Client.RunTask(new RunTaskRequest { TaskId = "not-a-sim-task", LimitMicros = 1_000 }, ExecutorStack.Acme);
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("task_id ", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutTheSimulatorRunTaskIsAFailedPreconditionNamingTheTaskId()
    {
        await using var stack = await ExecutorStack.StartAsync(withSimulator: false);

        using var call = stack.Client.RunTask(new RunTaskRequest { TaskId = "coding-2-7", LimitMicros = 1_000 }, ExecutorStack.Acme);
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.StartsWith("task_id ", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("no simulator", error.Status.Detail, StringComparison.Ordinal);
    }
}
