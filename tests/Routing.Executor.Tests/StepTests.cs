using System.Net;
using System.Text.Json;
using Grpc.Core;
using Routing.Contracts.Executor.V1;
using Routing.Executor.Episodes;
using Routing.Testing;
using StackExchange.Redis;
using Xunit;

namespace Routing.Executor.Tests;

public sealed class StepTests(SharedExecutorStack shared) : IClassFixture<SharedExecutorStack>
{
    private ExecutorStack Stack => shared.Stack;

    [Fact]
    public async Task RoutedStepOverGrpcCommitsTheReportedUsage()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 1_000_000);

        var response = await Stack.Client.StepAsync(ExecutorStack.Step(taskId, agent: null), ExecutorStack.Acme);

        Assert.Equal("scripted answer", response.Content);
        Assert.Contains(response.Decision.Agent, new[] { "small", "large" });
        Assert.Equal(RoutingReason.Policy, response.Decision.Reason);
        Assert.NotEmpty(response.Decision.PolicyVersion);
        var (inPrice, outPrice) = response.Decision.Agent == "small" ? (1L, 2L) : (10L, 30L);
        Assert.Equal(12 * inPrice + 3 * outPrice, response.CostMicros);
        var ledger = await Stack.LedgerAsync(taskId);
        Assert.Equal(response.CostMicros, ledger.CommittedMicros);
        Assert.Equal(0, ledger.ReservedMicros);
        Assert.Equal(1_000_000 - response.CostMicros, response.Budget.RemainingMicros);
    }

    [Fact]
    public async Task PinnedStepSendsTheAgentsModelAndTheTaskHeader()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 1_000_000);

        var response = await Stack.Client.StepAsync(ExecutorStack.Step(taskId, "large", content: "pinned-marker"), ExecutorStack.Acme);

        Assert.Equal(RoutingReason.Pinned, response.Decision.Reason);
        Assert.Equal("large-model", response.Decision.Model);
        var sent = Stack.Backend.Requests.Last(r => r.Body.Contains("pinned-marker", StringComparison.Ordinal));
        using var json = sent.Json();
        Assert.Equal("large-model", json.RootElement.GetProperty("model").GetString());
        Assert.Equal(100, json.RootElement.GetProperty("max_tokens").GetInt32());
        Assert.Equal(taskId, sent.Header("X-Routing-Task-Id"));
    }

    [Fact]
    public async Task ChatCompletionOverHttpAnswersInOpenAiShape()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 1_000_000);

        using var response = await Stack.Http.SendAsync(Stack.ChatRequest(taskId,
            """{"model":"small","max_tokens":50,"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        Assert.Equal("chat.completion", root.GetProperty("object").GetString());
        Assert.Equal("scripted answer", root.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(15, root.GetProperty("usage").GetProperty("total_tokens").GetInt32());
        Assert.Equal(18, root.GetProperty("routing").GetProperty("cost_micros").GetInt64());
        Assert.Equal("small", response.Headers.GetValues("X-Routing-Agent").Single());
        Assert.Equal(18, (await Stack.LedgerAsync(taskId)).CommittedMicros);
    }

    [Fact]
    public async Task StreamedChatCompletionRelaysChunksAndEndsWithUsageAndDone()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 1_000_000);
        Stack.Backend.Enqueue(new ScriptedReply { Content = "one two three", PromptTokens = 20, CompletionTokens = 7 });

        using var response = await Stack.Http.SendAsync(Stack.ChatRequest(taskId,
            """{"model":"small","stream":true,"stream_options":{"include_usage":true},"max_tokens":50,"messages":[{"role":"user","content":"count"}]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var events = (await response.Content.ReadAsStringAsync())
            .Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e["data: ".Length..])
            .ToList();
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e).RootElement).ToList();
        var text = string.Concat(chunks.Where(c => c.GetProperty("choices").GetArrayLength() > 0)
            .Select(c => c.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out var d) ? d.GetString() : ""));
        Assert.Equal("one two three", text);
        var last = chunks[^1];
        Assert.Equal(27, last.GetProperty("usage").GetProperty("total_tokens").GetInt32());
        Assert.Equal(20 + 14, last.GetProperty("routing").GetProperty("cost_micros").GetInt64());
        Assert.Equal(34, (await Stack.LedgerAsync(taskId)).CommittedMicros);
    }

    [Fact]
    public async Task RetryWithTheSameIdempotencyKeyReplaysWithoutSpendingAgain()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 1_000_000);
        var request = ExecutorStack.Step(taskId, content: "idempotent-" + taskId);
        request.IdempotencyKey = "step-1";

        var first = await Stack.Client.StepAsync(request, ExecutorStack.Acme);
        var second = await Stack.Client.StepAsync(request, ExecutorStack.Acme);

        Assert.False(first.Replayed);
        Assert.True(second.Replayed);
        Assert.Equal(first.Content, second.Content);
        Assert.Equal(first.CostMicros, second.CostMicros);
        Assert.Single(Stack.Backend.Requests, r => r.Body.Contains("idempotent-" + taskId, StringComparison.Ordinal));
        Assert.Equal(first.CostMicros, (await Stack.LedgerAsync(taskId)).CommittedMicros);
    }

    [Fact]
    public async Task StepsAndTheOutcomeAreLoggedAndExportedInOrder()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 1_000_000);
        await Stack.Client.StepAsync(ExecutorStack.Step(taskId, agent: null), ExecutorStack.Acme);
        await Stack.Client.StepAsync(ExecutorStack.Step(taskId, "large"), ExecutorStack.Acme);

        var info = await Stack.Client.CompleteTaskAsync(new CompleteTaskRequest { TaskId = taskId, Outcome = new Outcome { Success = true, Score = 0.75 } }, ExecutorStack.Acme);

        Assert.True(info.Completed);
        Assert.Equal(2, info.Steps);
        var records = await Stack.EpisodeRecordsAsync(taskId);
        Assert.Equal(["step", "step", "outcome"], records.Select(r => r.GetProperty("kind").GetString()));
        Assert.Equal([0, 1], records.Take(2).Select(r => r.GetProperty("step").GetInt32()));
        Assert.Equal(Features.FeatureSchemaV1.Width, records[0].GetProperty("features").GetArrayLength());
        Assert.Equal("pinned", records[1].GetProperty("reason").GetString());
        // The pool is "small" (tier 0) and "large" (tier 1): every step says which tier is the largest.
        Assert.Equal([1, 1], records.Take(2).Select(r => r.GetProperty("largest_tier").GetInt32()));
        Assert.Equal(0.75, records[2].GetProperty("score").GetDouble());
        Assert.Equal(info.CommittedMicros, records[2].GetProperty("spent_micros").GetInt64());
    }

    [Fact]
    public async Task CompletingTwiceIsIdempotentAndAnotherOutcomeConflicts()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 1_000_000);
        var complete = new CompleteTaskRequest { TaskId = taskId, Outcome = new Outcome { Success = true } };

        var first = await Stack.Client.CompleteTaskAsync(complete, ExecutorStack.Acme);
        var again = await Stack.Client.CompleteTaskAsync(complete, ExecutorStack.Acme);
        var conflict = await Assert.ThrowsAsync<RpcException>(() => Stack.Client.CompleteTaskAsync(
            new CompleteTaskRequest { TaskId = taskId, Outcome = new Outcome { Success = false } }, ExecutorStack.Acme).ResponseAsync);
        var step = await Assert.ThrowsAsync<RpcException>(() => Stack.Client.StepAsync(ExecutorStack.Step(taskId), ExecutorStack.Acme).ResponseAsync);

        Assert.Equal(first, again);
        Assert.Equal(StatusCode.AlreadyExists, conflict.StatusCode);
        Assert.Contains("another outcome", conflict.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.FailedPrecondition, step.StatusCode);
        using var redis = await ConnectionMultiplexer.ConnectAsync(TestRedis.ConnectionString);
        using var output = new StringWriter();
        await EpisodeExporter.ExportAsync(redis.GetDatabase(), Stack.KeyPrefix, ["acme"], output, CancellationToken.None);
        Assert.Single(output.ToString().Split('\n'), line => line.Contains(taskId, StringComparison.Ordinal) && line.Contains("\"outcome\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ListAgentsNamesThePoolCheapestTierFirst()
    {
        var agents = await Stack.Client.ListAgentsAsync(new ListAgentsRequest(), ExecutorStack.Acme);

        Assert.Equal(["small", "large"], agents.Agents.Select(a => a.Name));
        Assert.Equal("small", agents.FallbackAgent);
    }
}
