using System.Net;
using System.Text.Json;
using Routing.Contracts.Executor.V1;
using Routing.Features;
using Xunit;

namespace Routing.Executor.Tests;

/// <summary>
/// What a caller can declare beyond the messages: its own context size (the features use it and the reservation
/// covers it) and how often the last tool call was retried (counted, not just flagged, in the recent-retries window).
/// </summary>
public sealed class DeclaredSignalsTests(SharedExecutorStack shared) : IClassFixture<SharedExecutorStack>
{
    private ExecutorStack Stack => shared.Stack;

    [Fact]
    public async Task ADeclaredContextIsWhatTheFeaturesSeeAndTheReservationCovers()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 10_000_000);
        await Stack.Client.StepAsync(ExecutorStack.Step(taskId), ExecutorStack.Acme);
        var declared = ExecutorStack.Step(taskId);
        declared.Signals = new StepSignals { ContextTokens = 50_000 };
        await Stack.Client.StepAsync(declared, ExecutorStack.Acme);

        var steps = await StepRecordsAsync(taskId);

        Assert.Equal(2, steps.Count);
        Assert.Equal(Expected(new StepState { ContextTokens = 50_000 }, FeatureSchemaV1.ContextTokensLog), Features(steps[1])[FeatureSchemaV1.ContextTokensLog], 6);
        Assert.True(Features(steps[0])[FeatureSchemaV1.ContextTokensLog] < Features(steps[1])[FeatureSchemaV1.ContextTokensLog]);
        // Same agent and output cap: the declared 50,000 input tokens are what makes the second reservation larger.
        Assert.True(steps[1].GetProperty("reserved_micros").GetInt64() > steps[0].GetProperty("reserved_micros").GetInt64());
    }

    [Fact]
    public async Task RetryCountsAddUpOverTheLastThreeSteps()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 10_000_000);
        uint?[] counts = [null, 2, 1, 0, 0];
        foreach (var count in counts)
        {
            var step = ExecutorStack.Step(taskId);
            step.Signals = count is { } c ? new StepSignals { Retried = c > 0, RetryCount = c } : null;
            await Stack.Client.StepAsync(step, ExecutorStack.Acme);
        }

        var recent = (await StepRecordsAsync(taskId)).Select(r => Features(r)[FeatureSchemaV1.RecentRetries]).ToArray();

        // Window sums 0, 2, 3, 3, 1 of at most 3: a bool would have given 0, 1, 2, 2, 1.
        Assert.Equal([0f, 2f / 3, 1f, 1f, 1f / 3], recent, (a, b) => Math.Abs(a - b) < 1e-6);
    }

    [Fact]
    public async Task WithoutACountARetriedStepCountsOnce()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 10_000_000);
        await Stack.Client.StepAsync(ExecutorStack.Step(taskId), ExecutorStack.Acme);
        var retried = ExecutorStack.Step(taskId);
        retried.Signals = new StepSignals { Retried = true };
        await Stack.Client.StepAsync(retried, ExecutorStack.Acme);

        var steps = await StepRecordsAsync(taskId);

        Assert.Equal(1f / 3, Features(steps[1])[FeatureSchemaV1.RecentRetries], 6);
    }

    [Fact]
    public async Task AnHttpCallerDeclaresTheSameThroughHeaders()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 10_000_000);
        const string Body = """{"model":"small","max_tokens":100,"messages":[{"role":"user","content":"hello"}]}""";
        using (var first = await Stack.Http.SendAsync(Stack.ChatRequest(taskId, Body)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }
        var declared = Stack.ChatRequest(taskId, Body);
        declared.Headers.Add("X-Routing-Context-Tokens", "50000");
        declared.Headers.Add("X-Routing-Retry-Count", "2");
        using (var second = await Stack.Http.SendAsync(declared))
        {
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        }

        var steps = await StepRecordsAsync(taskId);

        Assert.Equal(Expected(new StepState { ContextTokens = 50_000 }, FeatureSchemaV1.ContextTokensLog), Features(steps[1])[FeatureSchemaV1.ContextTokensLog], 6);
        Assert.Equal(2f / 3, Features(steps[1])[FeatureSchemaV1.RecentRetries], 6);
    }

    [Theory]
    [InlineData("X-Routing-Context-Tokens", "-5")]
    [InlineData("X-Routing-Context-Tokens", "99999999999")]
    [InlineData("X-Routing-Retry-Count", "two")]
    public async Task ABadDeclarationHeaderIsNamedAndNothingRuns(string header, string value)
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 10_000_000);
        var request = Stack.ChatRequest(taskId, """{"model":"auto","messages":[{"role":"user","content":"x"}]}""");
        request.Headers.Add(header, value);

        using var response = await Stack.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(header, json.RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal(0, (await Stack.LedgerAsync(taskId)).CommittedMicros);
    }

    private async Task<List<JsonElement>> StepRecordsAsync(string taskId) =>
        (await Stack.EpisodeRecordsAsync(taskId)).Where(r => r.GetProperty("kind").GetString() == "step").OrderBy(r => r.GetProperty("step").GetInt32()).ToList();

    private static float[] Features(JsonElement record) => record.GetProperty("features").EnumerateArray().Select(e => e.GetSingle()).ToArray();

    private static float Expected(StepState state, int index)
    {
        var features = new float[FeatureSchemaV1.Width];
        FeatureSchemaV1.Extract(state, "", "", features);
        return features[index];
    }
}
