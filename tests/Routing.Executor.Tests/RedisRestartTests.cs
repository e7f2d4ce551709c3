using System.Net;
using Grpc.Core;
using Routing.ServiceDefaults.Hosting;
using Routing.Testing;
using Xunit;

namespace Routing.Executor.Tests;

/// <summary>The executor's own Redis (task state, replays, episode log) killed and restarted under it.</summary>
public sealed class RedisRestartTests
{
    [SkippableFact]
    public async Task StepsAreRefusedWithoutSpendingWhileRedisIsDownAndResumeAfterItsRestart()
    {
        using var redis = RedisServerProcess.StartOrSkip();
        await using var stack = await ExecutorStack.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Routing:Redis:ConnectionString"] = redis.ConnectionString,
            ["Routing:Redis:CommandTimeoutMilliseconds"] = "500",
        });
        var taskId = ExecutorStack.NewTaskId();
        await stack.OpenAsync(taskId, 1_000_000);
        var first = await stack.Client.StepAsync(ExecutorStack.Step(taskId), ExecutorStack.Acme);

        redis.Kill();
        var calls = stack.Backend.Requests.Count;
        var refused = await Assert.ThrowsAsync<RpcException>(() => stack.Client.StepAsync(ExecutorStack.Step(taskId), ExecutorStack.Acme).ResponseAsync);
        using var http = await stack.Http.SendAsync(stack.ChatRequest(taskId, """{"model":"small","messages":[{"role":"user","content":"hello"}]}"""));

        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, http.StatusCode);
        Assert.Equal(calls, stack.Backend.Requests.Count);
        Assert.Equal(first.CostMicros, (await stack.LedgerAsync(taskId)).CommittedMicros);

        redis.Start();
        var resumed = await Eventually.ReturnsAsync(
            () => stack.Client.StepAsync(ExecutorStack.Step(taskId), ExecutorStack.Acme).ResponseAsync,
            _ => true, TimeSpan.FromSeconds(30), "a step after the Redis restart");

        Assert.Equal(1, resumed.StepIndex);
        Assert.Equal(first.CostMicros + resumed.CostMicros, (await stack.LedgerAsync(taskId)).CommittedMicros);
    }
}
