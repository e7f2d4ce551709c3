using System.Text.Json;
using Routing.Testing;

namespace Routing.Backends.Tests;

public sealed class OpenAiCompletionTests : ScriptedServerTest
{
    [Fact]
    public async Task CompletionReturnsContentUsageAndModelAsTheBackendReported()
    {
        Server.Enqueue(new ScriptedReply { Content = "4", PromptTokens = 21, CompletionTokens = 1, Model = "served-name", FinishReason = "stop" });
        var backend = Harness.Backend(HttpBackendHarness.Agent(Server.BaseAddress));

        var result = await backend.CompleteAsync(HttpBackendHarness.Call(), CancellationToken.None);

        Assert.Equal("4", result.Content);
        Assert.Equal("stop", result.FinishReason);
        Assert.Equal(new ChatUsage(21, 1), result.Usage);
        Assert.Equal("served-name", result.BackendModel);
        Assert.Null(result.Logprobs);
        Assert.Null(result.ToolCalls);
    }

    [Fact]
    public async Task RequestCarriesModelMessagesCapTaskHeaderAndMetadata()
    {
        var backend = Harness.Backend(HttpBackendHarness.Agent(Server.BaseAddress));
        var call = HttpBackendHarness.Call() with { Temperature = 0.25, Metadata = new Dictionary<string, string> { ["tenant"] = "acme" } };

        await backend.CompleteAsync(call, CancellationToken.None);

        var request = Assert.Single(Server.Requests);
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.Equal("task-1", request.Header("X-Routing-Task-Id"));
        Assert.Null(request.Header("Authorization"));
        using var body = request.Json();
        var root = body.RootElement;
        Assert.Equal("scripted-model", root.GetProperty("model").GetString());
        Assert.Equal(64, root.GetProperty("max_tokens").GetInt32());
        Assert.Equal(0.25, root.GetProperty("temperature").GetDouble());
        Assert.Equal("acme", root.GetProperty("metadata").GetProperty("tenant").GetString());
        Assert.Equal(["system", "user"], root.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("What is 2+2?", root.GetProperty("messages")[1].GetProperty("content").GetString());
        Assert.False(root.TryGetProperty("stream", out _));
        Assert.False(root.TryGetProperty("logprobs", out _));
    }

    [Fact]
    public async Task OutputCapCanUseMaxCompletionTokens()
    {
        using var harness = new HttpBackendHarness(new Dictionary<string, string?> { ["Routing:Backends:MaxTokensField"] = "max_completion_tokens" });
        var backend = harness.Backend(HttpBackendHarness.Agent(Server.BaseAddress));

        await backend.CompleteAsync(HttpBackendHarness.Call(), CancellationToken.None);

        using var body = Server.Requests[0].Json();
        Assert.Equal(64, body.RootElement.GetProperty("max_completion_tokens").GetInt32());
        Assert.False(body.RootElement.TryGetProperty("max_tokens", out _));
    }

    [Fact]
    public async Task LogprobsAreRequestedAndPassedThrough()
    {
        Server.Enqueue(ScriptedReply.WithLogprobs([("Four", -0.05), (".", -1.5)], alternatives: 3));
        var backend = Harness.Backend(HttpBackendHarness.Agent(Server.BaseAddress));

        var result = await backend.CompleteAsync(HttpBackendHarness.Call() with { Logprobs = true, TopLogprobs = 2 }, CancellationToken.None);

        using (var body = Server.Requests[0].Json())
        {
            Assert.True(body.RootElement.GetProperty("logprobs").GetBoolean());
            Assert.Equal(2, body.RootElement.GetProperty("top_logprobs").GetInt32());
        }

        Assert.Equal("Four.", result.Content);
        Assert.NotNull(result.Logprobs);
        Assert.Equal(["Four", "."], result.Logprobs.Select(l => l.Token));
        Assert.Equal([-0.05, -1.5], result.Logprobs.Select(l => l.Logprob));
        Assert.Equal([new TopLogprob("Four", -0.05), new TopLogprob("alt0_1", -1.05)], result.Logprobs[0].TopLogprobs);
    }

    [Fact]
    public async Task ToolsGoOutAndToolCallsComeBackUntouched()
    {
        const string calls = """[{"id":"call_1","type":"function","function":{"name":"search","arguments":"{\"q\":\"x\"}"}}]""";
        Server.Enqueue(new ScriptedReply { ToolCallsJson = calls, FinishReason = "tool_calls" });
        using var tools = JsonDocument.Parse("""[{"type":"function","function":{"name":"search","parameters":{"type":"object"}}}]""");
        using var previous = JsonDocument.Parse(calls);
        var backend = Harness.Backend(HttpBackendHarness.Agent(Server.BaseAddress));
        var call = HttpBackendHarness.Call() with
        {
            Tools = tools.RootElement,
            Messages = [new ChatMessage("user", "find x"), new ChatMessage("assistant", "", ToolCalls: previous.RootElement), new ChatMessage("tool", "x is 1", ToolCallId: "call_1")],
        };

        var result = await backend.CompleteAsync(call, CancellationToken.None);

        Assert.Equal("tool_calls", result.FinishReason);
        Assert.Equal("", result.Content);
        Assert.Equal("search", result.ToolCalls!.Value[0].GetProperty("function").GetProperty("name").GetString());
        using var body = Server.Requests[0].Json();
        var root = body.RootElement;
        Assert.Equal("search", root.GetProperty("tools")[0].GetProperty("function").GetProperty("name").GetString());
        var assistant = root.GetProperty("messages")[1];
        Assert.Equal(JsonValueKind.Null, assistant.GetProperty("content").ValueKind);
        Assert.Equal("call_1", assistant.GetProperty("tool_calls")[0].GetProperty("id").GetString());
        Assert.Equal("call_1", root.GetProperty("messages")[2].GetProperty("tool_call_id").GetString());
    }

    [Fact]
    public async Task ConcurrentCallsEachGetTheirOwnAnswer()
    {
        Server.Responder = request => new ScriptedReply { Content = "answer for " + request.Header("X-Routing-Task-Id"), Delay = TimeSpan.FromMilliseconds(20) };
        var backend = Harness.Backend(HttpBackendHarness.Agent(Server.BaseAddress));
        var tasks = Enumerable.Range(0, 32).Select(i => "task-" + i).ToList();

        var answers = await Task.WhenAll(tasks.Select(async (task, i) => i % 2 == 0
            ? (await backend.CompleteAsync(HttpBackendHarness.Call() with { TaskId = task }, CancellationToken.None)).Content
            : string.Concat(await backend.StreamAsync(HttpBackendHarness.Call() with { TaskId = task }, CancellationToken.None).Select(c => c.ContentDelta).ToListAsync())));

        Assert.Equal(tasks.Select(t => "answer for " + t), answers);
        Assert.Equal(32, Server.Requests.Count);
    }

    [Fact]
    public async Task CallerCancellationIsNotABackendFailure()
    {
        Server.Enqueue(new ScriptedReply { Delay = TimeSpan.FromSeconds(5) });
        var backend = Harness.Backend(HttpBackendHarness.Agent(Server.BaseAddress));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => backend.CompleteAsync(HttpBackendHarness.Call(), cancel.Token));
    }
}
