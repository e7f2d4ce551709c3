using System.Net;
using System.Text.Json;
using Grpc.Core;
using Routing.Testing;
using Xunit;

namespace Routing.Executor.Tests;

public sealed class BudgetTests(SharedExecutorStack shared) : IClassFixture<SharedExecutorStack>
{
    private ExecutorStack Stack => shared.Stack;

    [Fact]
    public async Task StepWhoseWorstCaseExceedsTheBudgetIsRefusedWithTheRemainingAmount()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 150);
        var calls = Stack.Backend.Requests.Count;

        // Worst case on small: (8 + 8 + 5) input tokens × $1/M + 100 × $2/M = 21 + 200 µ$ > 150 µ$.
        var error = await Assert.ThrowsAsync<RpcException>(() => Stack.Client.StepAsync(ExecutorStack.Step(taskId), ExecutorStack.Acme).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("budget exhausted", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("150", error.Trailers.GetValue("routing-remaining-micros"));
        Assert.Equal(calls, Stack.Backend.Requests.Count);
    }

    [Fact]
    public async Task RoutedStepThatNoAgentCanAffordIsRefusedBeforeAnyCall()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 100);
        var calls = Stack.Backend.Requests.Count;

        var error = await Assert.ThrowsAsync<RpcException>(() => Stack.Client.StepAsync(ExecutorStack.Step(taskId, agent: null), ExecutorStack.Acme).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal("100", error.Trailers.GetValue("routing-remaining-micros"));
        Assert.Equal(calls, Stack.Backend.Requests.Count);
        Assert.Equal(0, (await Stack.LedgerAsync(taskId)).CommittedMicros);
    }

    [Fact]
    public async Task ExhaustedBudgetIsHttp402InOpenAiShapeWithTheRemainingAmount()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 150);

        using var response = await Stack.Http.SendAsync(Stack.ChatRequest(taskId, """{"model":"small","max_tokens":100,"messages":[{"role":"user","content":"hello"}]}"""));

        Assert.Equal(HttpStatusCode.PaymentRequired, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");
        Assert.Equal("budget_exhausted", error.GetProperty("code").GetString());
        Assert.Equal(150, error.GetProperty("remaining_micros").GetInt64());
    }

    [Fact]
    public async Task ConcurrentStepsOfOneTaskNeverSpendBeyondItsLimit()
    {
        var taskId = ExecutorStack.NewTaskId();
        const long limit = 1_000;
        await Stack.OpenAsync(taskId, limit);
        // Each step reserves 221 µ$ and costs 18 µ$: reservations, not costs, are what the limit must bound.
        Stack.Backend.Responder = r => r.Body.Contains(taskId, StringComparison.Ordinal) || r.Header("X-Routing-Task-Id") == taskId
            ? new ScriptedReply { Delay = TimeSpan.FromMilliseconds(150) }
            : new ScriptedReply();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 24).Select(async _ =>
        {
            try
            {
                return (await Stack.Client.StepAsync(ExecutorStack.Step(taskId), ExecutorStack.Acme)).CostMicros;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
            {
                return -1L;
            }
        }));
        Stack.Backend.Responder = null;

        var ledger = await Stack.LedgerAsync(taskId);
        var spent = outcomes.Where(c => c >= 0).Sum();
        Assert.Contains(outcomes, c => c >= 0);
        Assert.Equal(spent, ledger.CommittedMicros);
        Assert.True(ledger.CommittedMicros + ledger.ReservedMicros <= limit);
        Assert.Equal(0, ledger.OverrunMicros);
        Assert.Equal(0, ledger.ReservedMicros);
    }
}
