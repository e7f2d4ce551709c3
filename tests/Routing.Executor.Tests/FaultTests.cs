using System.Net;
using Grpc.Core;
using Routing.Contracts.Executor.V1;
using Routing.Testing;
using Xunit;

namespace Routing.Executor.Tests;

public sealed class FaultTests(SharedExecutorStack shared) : IClassFixture<SharedExecutorStack>
{
    private ExecutorStack Stack => shared.Stack;

    [Fact]
    public async Task BackendTimeoutCommitsAtMostTheReservationAndLeavesNothingLive()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 10_000);
        Stack.Backend.Responder = r => r.Header("X-Routing-Task-Id") == taskId ? new ScriptedReply { Delay = TimeSpan.FromSeconds(30) } : new ScriptedReply();

        var error = await Assert.ThrowsAsync<RpcException>(() => Stack.Client.StepAsync(ExecutorStack.Step(taskId), ExecutorStack.Acme).ResponseAsync);
        Stack.Backend.Responder = null;

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        var ledger = await Stack.LedgerAsync(taskId);
        // A timed-out call may have been billed: the ledger keeps its worst case (221 µ$), never more.
        Assert.Equal(221, ledger.CommittedMicros);
        Assert.Equal(0, ledger.ReservedMicros);
        Assert.Equal(0, ledger.OverrunMicros);
    }

    [Fact]
    public async Task BackendOverloadedIsReleasedBecauseNothingWasBilled()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 10_000);
        Stack.Backend.Responder = r => r.Header("X-Routing-Task-Id") == taskId ? ScriptedReply.Error(503, "overloaded") : new ScriptedReply();

        var error = await Assert.ThrowsAsync<RpcException>(() => Stack.Client.StepAsync(ExecutorStack.Step(taskId), ExecutorStack.Acme).ResponseAsync);
        Stack.Backend.Responder = null;

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("released", error.Status.Detail, StringComparison.Ordinal);
        var ledger = await Stack.LedgerAsync(taskId);
        Assert.Equal(0, ledger.CommittedMicros);
        Assert.Equal(0, ledger.ReservedMicros);
        Assert.Equal(1, ledger.ReservationsReleased);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    public async Task BackendServerErrorNeverSpendsBeyondTheReservation(int status)
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 10_000);
        Stack.Backend.Responder = r => r.Header("X-Routing-Task-Id") == taskId ? ScriptedReply.Error(status, "boom") : new ScriptedReply();

        var error = await Assert.ThrowsAsync<RpcException>(() => Stack.Client.StepAsync(ExecutorStack.Step(taskId), ExecutorStack.Acme).ResponseAsync);
        Stack.Backend.Responder = null;

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        var ledger = await Stack.LedgerAsync(taskId);
        Assert.True(ledger.CommittedMicros <= 221, $"committed {ledger.CommittedMicros}");
        Assert.Equal(0, ledger.ReservedMicros);
        Assert.Equal(0, ledger.OverrunMicros);
    }

    [Fact]
    public async Task GarbageJsonFromTheBackendFailsTheStepWithinTheReservation()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 10_000);
        Stack.Backend.Responder = r => r.Header("X-Routing-Task-Id") == taskId ? ScriptedReply.Raw("{\"choices\": [ not json") : new ScriptedReply();

        using var response = await Stack.Http.SendAsync(Stack.ChatRequest(taskId, """{"model":"small","max_tokens":100,"messages":[{"role":"user","content":"hello"}]}"""));
        Stack.Backend.Responder = null;

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("backend_bad_response", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var ledger = await Stack.LedgerAsync(taskId);
        Assert.True(ledger.CommittedMicros <= 221);
        Assert.Equal(0, ledger.ReservedMicros);
        Assert.Contains("result=\"bad_response\"", await Stack.MetricsAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PolicyDownRoutesToTheFallbackAgentAndCountsIt()
    {
        await using var stack = await ExecutorStack.StartAsync(withPolicy: false);
        var taskId = ExecutorStack.NewTaskId();
        await stack.OpenAsync(taskId, 1_000_000);
        var before = Counter(await stack.MetricsAsync(), "routing_executor_policy_fallbacks_total");

        var response = await stack.Client.StepAsync(ExecutorStack.Step(taskId, agent: null), ExecutorStack.Acme);

        Assert.Equal(RoutingReason.PolicyFallback, response.Decision.Reason);
        Assert.Equal("small", response.Decision.Agent);
        Assert.Equal(18, response.CostMicros);
        Assert.Equal(before + 1, Counter(await stack.MetricsAsync(), "routing_executor_policy_fallbacks_total"));
    }

    [Fact]
    public async Task BudgetDownRefusesTheStepWithoutCallingTheBackend()
    {
        await using var stack = await ExecutorStack.StartAsync(withBudget: false);
        // The task state exists, its ledger cannot be reached: opening fails too, so seed the state directly.
        var open = await Assert.ThrowsAsync<RpcException>(() => stack.OpenAsync(ExecutorStack.NewTaskId(), 1_000));
        Assert.Equal(StatusCode.Unavailable, open.StatusCode);
        var taskId = ExecutorStack.NewTaskId();
        var tasks = (Tasks.TaskStore)stack.Services.GetService(typeof(Tasks.TaskStore))!;
        await tasks.OpenAsync("acme", taskId, 1_000_000, null, 8, "", 600);

        var error = await Assert.ThrowsAsync<RpcException>(() => stack.Client.StepAsync(ExecutorStack.Step(taskId), ExecutorStack.Acme).ResponseAsync);
        using var http = await stack.Http.SendAsync(stack.ChatRequest(taskId, """{"model":"small","messages":[{"role":"user","content":"hello"}]}"""));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("nothing was spent", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, http.StatusCode);
        Assert.Empty(stack.Backend.Requests);
        Assert.True(Counter(await stack.MetricsAsync(), "routing_executor_budget_unavailable_total") >= 2);
    }

    private static double Counter(string metrics, string name)
    {
        foreach (var line in metrics.Split('\n'))
        {
            if (line.StartsWith(name + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }
}
