using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Routing.Contracts.Wire;
using Routing.Testing;
using Xunit;

namespace Routing.Executor.Tests;

/// <summary>
/// A pool agent with <c>"api": "anthropic"</c> behind a scripted Anthropic server: chat-completions and messages clients
/// are answered through it, its tool calls come back in each client's shape (streamed and not), and the ledger holds the
/// exact integer cost of its usage, cache reads and writes priced apart.
/// </summary>
public sealed class AnthropicAgentTests(AnthropicAgentTests.Fixture shared) : IClassFixture<AnthropicAgentTests.Fixture>
{
    private const string ToolsJson = """[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]""";

    private static readonly AnthropicReply WeatherCall = new()
    {
        Content = [AnthropicBlock.ToolUse("toolu_1", "get_weather", """{"city":"Paris"}""")],
        StopReason = "tool_use",
        InputTokens = 1001,
        CacheReadInputTokens = 3,
        CacheCreationInputTokens = 2,
        OutputTokens = 5,
    };

    private ExecutorStack Stack => shared.Stack;

    [Fact]
    public async Task AChatCompletionOnAnAnthropicAgentReturnsItsToolCallAndCommitsTheExactCost()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 1_000_000);
        shared.Anthropic.Enqueue(WeatherCall);

        using var response = await Stack.Http.SendAsync(Stack.ChatRequest(taskId,
            $$"""{"model":"claude","messages":[{"role":"user","content":"Weather in Paris?"}],"tools":{{ToolsJson}},"tool_choice":"required","stop":["Observation:"]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var choice = body.RootElement.GetProperty("choices")[0];
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        var call = choice.GetProperty("message").GetProperty("tool_calls")[0];
        Assert.Equal("toolu_1", call.GetProperty("id").GetString());
        Assert.Equal("""{"city":"Paris"}""", call.GetProperty("function").GetProperty("arguments").GetString());
        // 1001 plain × $1 + 3 read × $0.10 + 2 written × $1.25 + 5 out × $2 per million = 1013.8 µ$, rounded up once.
        Assert.Equal(1014, (await Stack.LedgerAsync(taskId)).CommittedMicros);
        var sent = JsonNode.Parse(shared.Anthropic.Requests[^1].Body)!;
        Assert.Equal("""{"type":"any"}""", sent["tool_choice"]!.ToJsonString());
        Assert.Equal("""["Observation:"]""", sent["stop_sequences"]!.ToJsonString());
    }

    [Fact]
    public async Task AStreamedChatCompletionRelaysTheToolInputDeltas()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 1_000_000);
        shared.Anthropic.Enqueue(WeatherCall);

        using var response = await Stack.Http.SendAsync(Stack.ChatRequest(taskId,
            $$"""{"model":"claude","stream":true,"messages":[{"role":"user","content":"Weather in Paris?"}],"tools":{{ToolsJson}}}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var arguments = new StringBuilder();
        string? finish = null;
        foreach (var line in (await response.Content.ReadAsStringAsync()).Split('\n'))
        {
            if (!line.StartsWith("data: {", StringComparison.Ordinal))
            {
                continue;
            }
            using var chunk = JsonDocument.Parse(line[6..]);
            foreach (var choice in chunk.RootElement.GetProperty("choices").EnumerateArray())
            {
                if (choice.GetProperty("delta").TryGetProperty("tool_calls", out var calls))
                {
                    arguments.Append(calls[0].GetProperty("function").GetProperty("arguments").GetString());
                }
                if (choice.TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String)
                {
                    finish = f.GetString();
                }
            }
        }
        Assert.Equal("""{"city":"Paris"}""", arguments.ToString());
        Assert.Equal("tool_calls", finish);
        Assert.Equal(1014, (await Stack.LedgerAsync(taskId)).CommittedMicros);
    }

    [Fact]
    public async Task AMessagesClientOnAnAnthropicAgentGetsItsToolUseBack()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 1_000_000);
        shared.Anthropic.Enqueue(WeatherCall);
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/messages")
        {
            Content = new StringContent("""
                {"model":"claude","max_tokens":100,"system":"Be brief.","messages":[{"role":"user","content":"Weather in Paris?"}],
                 "tools":[{"name":"get_weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],"tool_choice":{"type":"tool","name":"get_weather"}}
                """, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", ExecutorStack.AcmeKey);
        request.Headers.Add(RoutingHeaders.TaskId, taskId);

        using var response = await Stack.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("tool_use", body.RootElement.GetProperty("stop_reason").GetString());
        var block = body.RootElement.GetProperty("content")[0];
        Assert.Equal(("tool_use", "get_weather", "Paris"), (block.GetProperty("type").GetString(), block.GetProperty("name").GetString(), block.GetProperty("input").GetProperty("city").GetString()));
        var sent = JsonNode.Parse(shared.Anthropic.Requests[^1].Body)!;
        Assert.Equal("""[{"type":"text","text":"Be brief."}]""", sent["system"]!.ToJsonString());
        Assert.Equal("""{"type":"tool","name":"get_weather"}""", sent["tool_choice"]!.ToJsonString());
    }

    [Fact]
    public async Task AFieldTheAgentCannotTakeIsA400NamingItAndCostsNothing()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 1_000_000);
        var before = shared.Anthropic.Requests.Count;

        using var response = await Stack.Http.SendAsync(Stack.ChatRequest(taskId,
            """{"model":"claude","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_object"}}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("response_format", error.RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal(before, shared.Anthropic.Requests.Count);
        Assert.Equal(0, (await Stack.LedgerAsync(taskId)).CommittedMicros);
    }

    public sealed class Fixture : IAsyncLifetime
    {
        private ExecutorStack? _stack;
        private string? _agentsFile;

        public ExecutorStack Stack => _stack ?? throw new InvalidOperationException("not started");

        public ScriptedAnthropicServer Anthropic { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Anthropic = await ScriptedAnthropicServer.StartAsync();
            var openAi = await ScriptedOpenAiServer.StartAsync();
            await using (openAi)
            {
                _agentsFile = Path.Combine(Path.GetTempPath(), $"routing-anthropic-agents-{Guid.NewGuid():N}.json");
                // "small" never answers here (its server is gone): every test pins "claude".
                await File.WriteAllTextAsync(_agentsFile, $$"""
                    {"agents":[
                      {"name":"small","endpoint":"{{openAi.BaseAddress}}","model":"small-model","priceInMicrosPerMTok":1000000,"priceOutMicrosPerMTok":2000000,"tier":0,"maxOutputTokens":512},
                      {"name":"claude","api":"anthropic","endpoint":"{{Anthropic.BaseAddress}}","model":"claude-test","priceInMicrosPerMTok":1000000,"priceOutMicrosPerMTok":2000000,
                       "priceCachedInMicrosPerMTok":100000,"priceCacheWriteMicrosPerMTok":1250000,"tier":1,"maxOutputTokens":512}
                    ]}
                    """);
            }
            _stack = await ExecutorStack.StartAsync(settings: new Dictionary<string, string?> { ["Routing:AgentPool:File"] = _agentsFile });
        }

        public async Task DisposeAsync()
        {
            if (_stack is not null)
            {
                await _stack.DisposeAsync();
            }
            await Anthropic.DisposeAsync();
            if (_agentsFile is not null)
            {
                File.Delete(_agentsFile);
            }
        }
    }
}
