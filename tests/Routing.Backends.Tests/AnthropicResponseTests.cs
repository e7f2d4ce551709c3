using Routing.Testing;

namespace Routing.Backends.Tests;

/// <summary>An Anthropic agent's messages and event streams as chat-shaped results, its usage costed exactly, its errors mapped.</summary>
public sealed class AnthropicResponseTests : AnthropicServerTest
{
    private const string ParisInput = """{"city":"Paris","units":"celsius"}""";

    private static readonly AnthropicReply ToolReply = new()
    {
        Content = [AnthropicBlock.TextBlock("Let me check."), AnthropicBlock.ToolUse("toolu_1", "get_weather", ParisInput), AnthropicBlock.ToolUse("toolu_2", "now", "{}")],
        StopReason = "tool_use",
        InputTokens = 1001,
        CacheReadInputTokens = 3,
        CacheCreationInputTokens = 2,
        OutputTokens = 5,
        Model = "claude-served",
    };

    [Fact]
    public async Task AMessageWithToolUseIsAChatResultWithToolCallsAndTheCacheTokensInThePrompt()
    {
        Server.Enqueue(ToolReply);

        var result = await Backend.CompleteAsync(HttpBackendHarness.Call("claude-test"), CancellationToken.None);

        Assert.Equal("Let me check.", result.Content);
        Assert.Equal("tool_calls", result.FinishReason);
        Assert.Equal("claude-served", result.BackendModel);
        Assert.Equal(new ChatUsage(1006, 5) { CachedPromptTokens = 3, CacheWritePromptTokens = 2 }, result.Usage);
        Assert.Equal(
            """[{"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\u0022city\u0022:\u0022Paris\u0022,\u0022units\u0022:\u0022celsius\u0022}"}},{"id":"toolu_2","type":"function","function":{"name":"now","arguments":"{}"}}]""",
            result.ToolCalls!.Value.GetRawText());
    }

    [Fact]
    public async Task CacheReadsAndWritesAreCostedAtTheirOwnPricesInWholeMicroDollars()
    {
        Server.Enqueue(ToolReply);

        var result = await Backend.CompleteAsync(HttpBackendHarness.Call("claude-test"), CancellationToken.None);

        // 1001 plain × $1 + 3 read × $0.10 + 2 written × $1.25 + 5 out × $2 per million = 1013.8 µ$, rounded up once.
        Assert.Equal(1014, Agent.CostMicros(result.Usage));
    }

    [Theory]
    [InlineData("end_turn", "stop")]
    [InlineData("stop_sequence", "stop")]
    [InlineData("max_tokens", "length")]
    [InlineData("refusal", "content_filter")]
    public async Task TheStopReasonIsTheChatFinishReason(string stopReason, string finishReason)
    {
        Server.Enqueue(new AnthropicReply { StopReason = stopReason });

        var result = await Backend.CompleteAsync(HttpBackendHarness.Call("claude-test"), CancellationToken.None);

        Assert.Equal(finishReason, result.FinishReason);
    }

    [Fact]
    public async Task AStreamRelaysTextAndToolInputDeltasAndEndsWithTheCumulativeUsage()
    {
        Server.Enqueue(ToolReply);
        var text = "";
        var calls = new ToolCallAccumulator();
        var chunks = new List<ChatChunk>();

        await foreach (var chunk in Backend.StreamAsync(HttpBackendHarness.Call("claude-test"), CancellationToken.None))
        {
            chunks.Add(chunk);
            text += chunk.ContentDelta;
            if (chunk.ToolCallDeltas is { } deltas)
            {
                calls.Add(deltas);
            }
        }

        Assert.Equal("Let me check.", text);
        Assert.True(chunks.Count(c => c.ToolCallDeltas is not null) > 3, "the tool input arrives in input_json_delta pieces");
        var last = chunks[^1];
        Assert.Equal("tool_calls", last.FinishReason);
        Assert.Equal(new ChatUsage(1006, 5) { CachedPromptTokens = 3, CacheWritePromptTokens = 2 }, last.Usage);
        Assert.Equal(
            """[{"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\u0022city\u0022:\u0022Paris\u0022,\u0022units\u0022:\u0022celsius\u0022}"}},{"id":"toolu_2","type":"function","function":{"name":"now","arguments":"{}"}}]""",
            calls.ToJson()!.Value.GetRawText());
        Assert.True(System.Text.Json.Nodes.JsonNode.Parse(Server.Requests[0].Body)!["stream"]!.GetValue<bool>());
    }

    [Fact]
    public async Task OverloadedIsUnbilledAndRetried()
    {
        Server.Enqueue(AnthropicReply.Error(529, "overloaded_error", "Overloaded"), new AnthropicReply());

        var result = await Backend.CompleteAsync(HttpBackendHarness.Call("claude-test"), CancellationToken.None);

        Assert.Equal("scripted answer", result.Content);
        Assert.Equal(2, Server.Requests.Count);
    }

    [Theory]
    [InlineData(429, "rate_limit_error", BackendFailure.Unavailable, false)]
    [InlineData(529, "overloaded_error", BackendFailure.Unavailable, false)]
    [InlineData(400, "invalid_request_error", BackendFailure.Rejected, true)]
    [InlineData(401, "authentication_error", BackendFailure.Rejected, false)]
    [InlineData(500, "api_error", BackendFailure.Unavailable, false)]
    public async Task AnthropicErrorsMapToTheKindsOfOpenAiOnes(int status, string type, BackendFailure kind, bool callerFault)
    {
        Server.DefaultReply = AnthropicReply.Error(status, type, "scripted " + type);

        var failure = await Assert.ThrowsAsync<BackendException>(() => Backend.CompleteAsync(HttpBackendHarness.Call("claude-test"), CancellationToken.None));

        Assert.Equal(kind, failure.Failure);
        Assert.Equal(callerFault, failure.CallerFault);
        Assert.Equal(status >= 500 && status != 529, failure.MayHaveBeenBilled);
        Assert.Contains("scripted " + type, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnErrorEventMidStreamFailsTheCallAsMaybeBilled()
    {
        Server.Enqueue(new AnthropicReply { StreamErrorType = "overloaded_error" });

        var failure = await Assert.ThrowsAsync<BackendException>(async () =>
        {
            await foreach (var chunk in Backend.StreamAsync(HttpBackendHarness.Call("claude-test"), CancellationToken.None))
            {
                _ = chunk;
            }
        });

        Assert.Equal(BackendFailure.Unavailable, failure.Failure);
        Assert.True(failure.MayHaveBeenBilled);
        Assert.Contains("overloaded_error", failure.Message, StringComparison.Ordinal);
    }
}
