using Routing.Testing;

namespace Routing.Backends.Tests;

public sealed class OpenAiStreamingTests : ScriptedServerTest
{
    [Fact]
    public async Task StreamDeliversDeltasThenOneLastChunkWithFinishReasonAndUsage()
    {
        Server.Enqueue(ScriptedReply.WithLogprobs([("Hel", -0.1), ("lo", -0.2), ("!", -0.3)]) with { PromptTokens = 30, FinishReason = "length" });
        var backend = Harness.Backend(HttpBackendHarness.Agent(Server.BaseAddress));

        var chunks = await backend.StreamAsync(HttpBackendHarness.Call() with { Logprobs = true, TopLogprobs = 1 }, CancellationToken.None).ToListAsync();

        Assert.Equal("Hello!", string.Concat(chunks.Select(c => c.ContentDelta)));
        Assert.All(chunks[..^1], c => Assert.Null(c.Usage));
        Assert.All(chunks[..^1], c => Assert.Null(c.FinishReason));
        var last = chunks[^1];
        Assert.Equal("length", last.FinishReason);
        Assert.Equal(new ChatUsage(30, 3), last.Usage);
        Assert.Equal([-0.1, -0.2, -0.3], chunks.Where(c => c.Logprobs is not null).SelectMany(c => c.Logprobs!).Select(l => l.Logprob));
        using var body = Server.Requests[0].Json();
        Assert.True(body.RootElement.GetProperty("stream").GetBoolean());
        Assert.True(body.RootElement.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.Equal("text/event-stream", Server.Requests[0].Header("Accept"));
    }

    [Fact]
    public async Task StreamedToolCallDeltasArePassedThrough()
    {
        Server.Enqueue(new ScriptedReply { Content = "", ToolCallsJson = """[{"index":0,"id":"call_9","type":"function","function":{"name":"run","arguments":""}}]""", FinishReason = "tool_calls" });
        var backend = Harness.Backend(HttpBackendHarness.Agent(Server.BaseAddress));

        var chunks = await backend.StreamAsync(HttpBackendHarness.Call(), CancellationToken.None).ToListAsync();

        var delta = Assert.Single(chunks, c => c.ToolCallDeltas is not null);
        Assert.Equal("call_9", delta.ToolCallDeltas!.Value[0].GetProperty("id").GetString());
        Assert.Equal("tool_calls", chunks[^1].FinishReason);
    }

    [Fact]
    public async Task StreamWithoutUsageFailsAsBadResponseInsteadOfGuessing()
    {
        Server.Enqueue(new ScriptedReply { Content = "text", OmitUsage = true });
        var backend = Harness.Backend(HttpBackendHarness.Agent(Server.BaseAddress));

        var failure = await Assert.ThrowsAsync<BackendException>(() => backend.StreamAsync(HttpBackendHarness.Call(), CancellationToken.None).ToListAsync().AsTask());

        Assert.Equal(BackendFailure.BadResponse, failure.Failure);
        Assert.True(failure.MayHaveBeenBilled);
        Assert.Contains("usage", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamCutBeforeDoneIsUnavailableBilledAndNotRetried()
    {
        Server.Enqueue(new ScriptedReply { Content = "partial", CutStreamBeforeDone = true, OmitUsage = true });
        var backend = Harness.Backend(HttpBackendHarness.Agent(Server.BaseAddress));

        var failure = await Assert.ThrowsAsync<BackendException>(() => backend.StreamAsync(HttpBackendHarness.Call(), CancellationToken.None).ToListAsync().AsTask());

        AssertFailedOnce(failure, BackendFailure.Unavailable, billed: true);
    }

    [Fact]
    public async Task StreamThatStallsPastTheDeadlineTimesOutWithoutRetry()
    {
        using var harness = new HttpBackendHarness(new Dictionary<string, string?> { ["Routing:Backends:Timeout"] = HttpBackendHarness.Seconds(0.5) });
        Server.Enqueue(ScriptedReply.WithLogprobs([("a", -1), ("b", -1), ("c", -1)]) with { ChunkDelay = TimeSpan.FromSeconds(2) });
        var backend = harness.Backend(HttpBackendHarness.Agent(Server.BaseAddress));

        var failure = await Assert.ThrowsAsync<BackendException>(() => backend.StreamAsync(HttpBackendHarness.Call(), CancellationToken.None).ToListAsync().AsTask());

        AssertFailedOnce(failure, BackendFailure.Timeout, billed: true);
    }

    [Fact]
    public async Task ServerThatIgnoresStreamingIsBadResponse()
    {
        Server.Enqueue(ScriptedReply.Raw("""{"id":"x","choices":[{"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1}}"""));
        var backend = Harness.Backend(HttpBackendHarness.Agent(Server.BaseAddress));

        var failure = await Assert.ThrowsAsync<BackendException>(() => backend.StreamAsync(HttpBackendHarness.Call(), CancellationToken.None).ToListAsync().AsTask());

        AssertFailedOnce(failure, BackendFailure.BadResponse, billed: true);
        Assert.Contains("application/json", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GarbageInTheStreamIsBadResponse()
    {
        Server.Enqueue(ScriptedReply.Raw("data: {\"choices\": [ nonsense\n\ndata: [DONE]\n\n", contentType: "text/event-stream"));
        var backend = Harness.Backend(HttpBackendHarness.Agent(Server.BaseAddress));

        var failure = await Assert.ThrowsAsync<BackendException>(() => backend.StreamAsync(HttpBackendHarness.Call(), CancellationToken.None).ToListAsync().AsTask());

        Assert.Equal(BackendFailure.BadResponse, failure.Failure);
    }
}
