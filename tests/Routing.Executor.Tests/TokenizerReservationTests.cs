using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Routing.Backends.Tokenization;
using Routing.Testing;
using Xunit;

namespace Routing.Executor.Tests;

/// <summary>
/// The same step on two agents at the same prices, one with the o200k tokenizer and one with the byte bound, under a
/// task budget between the two reservations: the tokenizer's agent runs it, the byte-bound agent refuses it with a
/// 402 that the real cost would not have deserved.
/// </summary>
public sealed class TokenizerReservationTests : IAsyncLifetime
{
    private const int MaxTokens = 16;

    private static readonly string Content = string.Join(' ', Enumerable.Repeat("I would like to move my reservation to the morning flight.", 60));

    private ScriptedOpenAiServer? _backend;
    private ExecutorStack? _stack;
    private string? _agentsFile;

    private ExecutorStack Stack => _stack ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _backend = await ScriptedOpenAiServer.StartAsync();
        _agentsFile = Path.Combine(Path.GetTempPath(), $"routing-tokenizer-agents-{Guid.NewGuid():N}.json");
        // $1 / $2 per million tokens: a reservation in µ$ is its input tokens plus twice its output tokens.
        await File.WriteAllTextAsync(_agentsFile, $$"""
            {"agents":[
              {"name":"bytes","endpoint":"{{_backend.BaseAddress}}","model":"m","priceInMicrosPerMTok":1000000,"priceOutMicrosPerMTok":2000000,"tier":0,"maxOutputTokens":512},
              {"name":"exact","endpoint":"{{_backend.BaseAddress}}","model":"m","priceInMicrosPerMTok":1000000,"priceOutMicrosPerMTok":2000000,"tier":1,"maxOutputTokens":512,"tokenizer":"{{PromptTokenizers.O200kBase}}"}
            ]}
            """);
        _stack = await ExecutorStack.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Routing:AgentPool:File"] = _agentsFile,
            ["Routing:Executor:FallbackAgent"] = "bytes",
        });
    }

    public async Task DisposeAsync()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }

        if (_backend is not null)
        {
            await _backend.DisposeAsync();
        }

        if (_agentsFile is not null)
        {
            File.Delete(_agentsFile);
        }
    }

    [Fact]
    public async Task ABudgetBetweenTheTwoBoundsRunsTheStepWithTheTokenizerAndRefusesItWithTheByteBound()
    {
        // The byte bound reserves at least the content's UTF-8 bytes; the tokenizer about a quarter of them. A budget
        // of the bytes plus the output lies above the tokenizer's reservation and below the byte bound's.
        var bytes = Encoding.UTF8.GetByteCount(Content);
        var tokens = PromptTokenizers.Get(PromptTokenizers.O200kBase)!.CountTokens(Content);
        Assert.True(tokens * 2 < bytes, $"{tokens} tokens in {bytes} bytes");
        var budget = bytes + (2L * MaxTokens);

        var accepted = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(accepted, budget);
        using (var response = await Stack.Http.SendAsync(Stack.ChatRequest(accepted, Body("exact"))))
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        var ledger = await Stack.LedgerAsync(accepted);
        Assert.True(ledger.CommittedMicros > 0);
        Assert.Equal(0, ledger.ReservedMicros);

        var refused = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(refused, budget);
        var calls = _backend!.Requests.Count;
        using (var response = await Stack.Http.SendAsync(Stack.ChatRequest(refused, Body("bytes"))))
        {
            Assert.Equal(HttpStatusCode.PaymentRequired, response.StatusCode);
            using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("budget_exhausted", error.RootElement.GetProperty("error").GetProperty("code").GetString());
            Assert.Equal(budget, error.RootElement.GetProperty("error").GetProperty("remaining_micros").GetInt64());
        }

        Assert.Equal(calls, _backend.Requests.Count);
        Assert.Equal(0, (await Stack.LedgerAsync(refused)).CommittedMicros);
    }

    private static string Body(string agent) => new JsonObject
    {
        ["model"] = agent,
        ["max_tokens"] = MaxTokens,
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = Content }),
    }.ToJsonString();
}
