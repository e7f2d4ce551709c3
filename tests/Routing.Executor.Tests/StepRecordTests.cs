using System.Text.Json;
using Grpc.Core;
using Routing.Contracts.Executor.V1;
using Routing.Testing;
using Xunit;

namespace Routing.Executor.Tests;

/// <summary>
/// A step's Redis writes are two scripts: begin_step (idempotency claim and step number) and record_step (task
/// history, the key's answer or its release, the episode-log line). These pin what each must still guarantee.
/// </summary>
public sealed class StepRecordTests(SharedExecutorStack shared) : IClassFixture<SharedExecutorStack>
{
    private ExecutorStack Stack => shared.Stack;

    [Fact]
    public async Task ARetryWhileTheFirstAttemptRunsIsAbortedAndAfterItReplaysTheAnswer()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 1_000_000);
        Stack.Backend.Responder = r => r.Header("X-Routing-Task-Id") == taskId
            ? new ScriptedReply { Content = "slow answer", Delay = TimeSpan.FromSeconds(2) }
            : new ScriptedReply();
        var request = ExecutorStack.Step(taskId, content: "claimed-" + taskId);
        request.IdempotencyKey = "only-once";

        var first = Stack.Client.StepAsync(request, ExecutorStack.Acme).ResponseAsync;
        await Eventually.ReturnsAsync(() => Task.FromResult(Stack.Backend.Requests.Any(r => r.Header("X-Routing-Task-Id") == taskId)),
            called => called, TimeSpan.FromSeconds(10), "the first attempt's backend call");
        var during = await Assert.ThrowsAsync<RpcException>(() => Stack.Client.StepAsync(request, ExecutorStack.Acme).ResponseAsync);
        var answer = await first;
        Stack.Backend.Responder = null;
        var after = await Stack.Client.StepAsync(request, ExecutorStack.Acme);

        Assert.Equal(StatusCode.Aborted, during.StatusCode);
        Assert.Contains("still running", during.Status.Detail, StringComparison.Ordinal);
        Assert.True(after.Replayed);
        Assert.Equal("slow answer", after.Content);
        Assert.Equal(answer.CostMicros, after.CostMicros);
        Assert.Single(Stack.Backend.Requests, r => r.Header("X-Routing-Task-Id") == taskId);
        // Neither the aborted retry nor the replay began a step: one step, one episode-log line.
        var info = await Stack.Client.GetTaskAsync(new GetTaskRequest { TaskId = taskId }, ExecutorStack.Acme);
        Assert.Equal(1, info.Steps);
        Assert.Single(await StepRecordsAsync(taskId));
    }

    [Fact]
    public async Task AKeyUsedOnATaskThatDoesNotExistYetIsNotClaimed()
    {
        var taskId = ExecutorStack.NewTaskId();
        var request = ExecutorStack.Step(taskId);
        request.IdempotencyKey = "before-open";

        var missing = await Assert.ThrowsAsync<RpcException>(() => Stack.Client.StepAsync(request, ExecutorStack.Acme).ResponseAsync);
        await Stack.OpenAsync(taskId, 1_000_000);
        var ran = await Stack.Client.StepAsync(request, ExecutorStack.Acme);

        Assert.Equal(StatusCode.PermissionDenied, missing.StatusCode);
        Assert.False(ran.Replayed);
        Assert.Equal(0, ran.StepIndex);
    }

    [Fact]
    public async Task AFailedStepIsLoggedAndFreesItsKeySoThatTheRetryRunsAgain()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 1_000_000);
        Stack.Backend.Responder = r => r.Header("X-Routing-Task-Id") == taskId ? ScriptedReply.Error(503, "overloaded") : new ScriptedReply();
        var request = ExecutorStack.Step(taskId);
        request.IdempotencyKey = "retry-me";

        var failed = await Assert.ThrowsAsync<RpcException>(() => Stack.Client.StepAsync(request, ExecutorStack.Acme).ResponseAsync);
        Stack.Backend.Responder = null;
        // The backend client retries an overloaded answer itself (it cannot have been billed): count from here.
        var callsBefore = Stack.Backend.Requests.Count(r => r.Header("X-Routing-Task-Id") == taskId);
        var retried = await Stack.Client.StepAsync(request, ExecutorStack.Acme);

        Assert.Equal(StatusCode.Unavailable, failed.StatusCode);
        Assert.False(retried.Replayed);
        Assert.Equal(callsBefore + 1, Stack.Backend.Requests.Count(r => r.Header("X-Routing-Task-Id") == taskId));
        var records = await StepRecordsAsync(taskId);
        Assert.Equal(["unavailable", "ok"], records.Select(r => r.GetProperty("result").GetString()));
        Assert.Equal([0, 1], records.Select(r => r.GetProperty("step").GetInt32()));
        // The failed step left no history: only the successful one counts as finished.
        var info = await Stack.Client.GetTaskAsync(new GetTaskRequest { TaskId = taskId }, ExecutorStack.Acme);
        Assert.Equal(1, info.Steps);
        Assert.Equal(retried.CostMicros, info.CommittedMicros);
    }

    [Fact]
    public async Task EveryStepOfAnEpisodeIsLoggedWithTheHistoryTheNextStepSees()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 1_000_000);

        var small = await Stack.Client.StepAsync(ExecutorStack.Step(taskId, "small"), ExecutorStack.Acme);
        var large = await Stack.Client.StepAsync(ExecutorStack.Step(taskId, "large"), ExecutorStack.Acme);
        var third = await Stack.Client.StepAsync(ExecutorStack.Step(taskId, "small"), ExecutorStack.Acme);

        var records = await StepRecordsAsync(taskId);
        Assert.Equal([0, 1, 2], records.Select(r => r.GetProperty("step").GetInt32()));
        Assert.All(records, r => Assert.Equal("ok", r.GetProperty("result").GetString()));
        Assert.Equal([small.Budget.RemainingMicros, large.Budget.RemainingMicros, third.Budget.RemainingMicros],
            records.Select(r => r.GetProperty("remaining_micros").GetInt64()));
        var info = await Stack.Client.GetTaskAsync(new GetTaskRequest { TaskId = taskId }, ExecutorStack.Acme);
        Assert.Equal(3, info.Steps);
        Assert.Equal(1, info.LargeCalls);
        Assert.Equal(third.Budget.RemainingMicros, info.Budget.RemainingMicros);
    }

    private async Task<List<JsonElement>> StepRecordsAsync(string taskId) =>
        [.. (await Stack.EpisodeRecordsAsync(taskId)).Where(r => r.GetProperty("kind").GetString() == "step")];
}
