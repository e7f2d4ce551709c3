using Routing.Executor.Metrics;
using Routing.ServiceDefaults.Hosting;
using Routing.Testing;
using Xunit;

namespace Routing.Executor.Tests;

/// <summary>
/// The executor's Redis dies after the backend answered a keyed step and before the answer is stored: the answer
/// must still reach the claim record once Redis is back, so that a retry replays it instead of calling the model
/// again (and paying twice).
/// </summary>
public sealed class AnswerStoreFaultTests
{
    [SkippableFact]
    public async Task AnAnswerThatCouldNotBeStoredWhileRedisWasDownIsStoredOnceItIsBackAndReplayed()
    {
        using var redis = RedisServerProcess.StartOrSkip();
        await using var stack = await ExecutorStack.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Routing:Redis:ConnectionString"] = redis.ConnectionString,
            ["Routing:Redis:CommandTimeoutMilliseconds"] = "500",
            ["Routing:Executor:StepHeartbeatTtlMilliseconds"] = "1000",
        });
        var taskId = ExecutorStack.NewTaskId();
        await stack.OpenAsync(taskId, 1_000_000);
        // The backend has the request: Redis dies before the answer gets back to the executor.
        stack.Backend.Responder = request =>
        {
            if (request.Header("X-Routing-Task-Id") == taskId)
            {
                redis.Kill();
            }
            return stack.Backend.DefaultReply;
        };
        var failuresBefore = ExecutorMetrics.AnswerStoreFailures.Value;
        var request = ExecutorStack.Step(taskId);
        request.IdempotencyKey = "k";

        var first = stack.Client.StepAsync(request, ExecutorStack.Acme).ResponseAsync;
        await Eventually.ReturnsAsync(() => Task.FromResult(ExecutorMetrics.AnswerStoreFailures.Value), v => v > failuresBefore,
            TimeSpan.FromSeconds(30), "a failed attempt to store the answer");
        redis.Start();
        var answered = await first;
        // A client that lost that answer retries once the claim's heartbeat would have stopped.
        var retried = await Eventually.ReturnsAsync(
            () => stack.Client.StepAsync(request, ExecutorStack.Acme).ResponseAsync, _ => true, TimeSpan.FromSeconds(30), "the retry's answer");
        var ledger = await stack.LedgerAsync(taskId);

        Assert.Single(stack.Backend.Requests, r => r.Header("X-Routing-Task-Id") == taskId);
        Assert.True(retried.Replayed);
        Assert.Equal(answered.Content, retried.Content);
        Assert.Equal(answered.CompletionId, retried.CompletionId);
        Assert.Equal(answered.CostMicros, ledger.CommittedMicros);
        Assert.Equal(0, ledger.ReservedMicros);
    }
}
