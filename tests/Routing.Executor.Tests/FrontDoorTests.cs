using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Routing.Contracts.Wire;
using Routing.Executor.Http;
using Routing.Executor.Tenancy;
using Routing.Testing;
using Xunit;

namespace Routing.Executor.Tests;

/// <summary>
/// The chat-completions front door as a drop-in OpenAI endpoint: tasks opened by their first call, the client's
/// body forwarded as sent, images in the reservation, tool calls through streams and replays, idempotency keys
/// bound to their request, and errors a client can act on. Acme has default budgets; globex has none.
/// </summary>
public sealed class FrontDoorTests(FrontDoorTests.Fixture shared) : IClassFixture<FrontDoorTests.Fixture>
{
    private const string WeatherCall = """[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]""";

    private ExecutorStack Stack => shared.Stack;

    [Fact]
    public async Task AnUnknownTaskIsOpenedByItsFirstCallWithTheBudgetHeader()
    {
        var taskId = ExecutorStack.NewTaskId();
        using var request = Stack.ChatRequest(taskId, """{"model":"small","messages":[{"role":"user","content":"hi"}]}""", ExecutorStack.GlobexKey);
        request.Headers.Add(RoutingHeaders.BudgetMicros, "4321");

        using var response = await Stack.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(4321, (await Stack.LedgerAsync(taskId, "globex")).LimitMicros);
    }

    [Fact]
    public async Task AnUnknownTaskWithoutABudgetIsRefusedNamingTheHeader()
    {
        using var response = await Stack.Http.SendAsync(Stack.ChatRequest(ExecutorStack.NewTaskId(), """{"model":"small","messages":[{"role":"user","content":"hi"}]}""", ExecutorStack.GlobexKey));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("false", response.Headers.GetValues(OpenAiErrorBody.ShouldRetryHeader).Single());
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(RoutingHeaders.BudgetMicros, json.RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task AnUnknownTaskOpensWithTheTenantsDefaultTaskBudget()
    {
        var taskId = ExecutorStack.NewTaskId();

        using var response = await Stack.Http.SendAsync(Stack.ChatRequest(taskId, """{"model":"small","messages":[{"role":"user","content":"hi"}]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Fixture.AcmeTaskBudget, (await Stack.LedgerAsync(taskId)).LimitMicros);
    }

    [Fact]
    public async Task ARequestWithoutATaskIsAOneStepTaskUnderThePerRequestBudget()
    {
        using var acme = Post("""{"model":"small","messages":[{"role":"user","content":"hi"}]}""", ExecutorStack.AcmeKey);
        using var globex = Post("""{"model":"small","messages":[{"role":"user","content":"hi"}]}""", ExecutorStack.GlobexKey);

        using var served = await Stack.Http.SendAsync(acme);
        using var refused = await Stack.Http.SendAsync(globex);

        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        using var body = JsonDocument.Parse(await served.Content.ReadAsStringAsync());
        Assert.Equal(Fixture.AcmeRequestBudget - 18, body.RootElement.GetProperty("routing").GetProperty("remaining_micros").GetInt64());
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        using var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        Assert.Equal(RoutingHeaders.TaskId, error.RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task AnImagePartWidensTheReservationAndReachesTheAgentAsSent()
    {
        const string image = """{"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}""";
        var plain = ExecutorStack.NewTaskId();
        var withImage = ExecutorStack.NewTaskId();

        var without = await ReservedAsync(plain, """[{"type":"text","text":"what is it?"}]""");
        var with = await ReservedAsync(withImage, $$"""[{"type":"text","text":"what is it?"},{{image}}]""");

        // The small agent: $1 per million input tokens, so 1,445 tokens reserve 1,445 µ$ more.
        Assert.Equal(StepCostsImageBound(), with - without);
        var sent = Assert.Single(Stack.Backend.Requests, r => r.Header(RoutingHeaders.TaskId) == withImage);
        using var json = sent.Json();
        Assert.Equal(JsonDocument.Parse(image).RootElement.GetRawText(), json.RootElement.GetProperty("messages")[0].GetProperty("content")[1].GetRawText());
    }

    [Fact]
    public async Task NAboveOneIsRefusedByName()
    {
        using var response = await Stack.Http.SendAsync(Stack.ChatRequest(ExecutorStack.NewTaskId(), """{"model":"small","n":3,"messages":[{"role":"user","content":"hi"}]}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("n", json.RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task AStreamedToolCallStepIsStoredWithItsCallsAndReplayedWithItsId()
    {
        var taskId = ExecutorStack.NewTaskId();
        Stack.Backend.Responder = r => r.Header(RoutingHeaders.TaskId) == taskId
            ? new ScriptedReply { Content = "", ToolCallsJson = WeatherCall, FinishReason = "tool_calls" }
            : new ScriptedReply();
        const string body = """{"model":"small","stream":true,"tool_choice":"required","tools":[{"type":"function","function":{"name":"get_weather","parameters":{}}}],"messages":[{"role":"user","content":"weather?"}]}""";
        HttpRequestMessage Request(string content)
        {
            var request = Stack.ChatRequest(taskId, content);
            request.Headers.Add(RoutingHeaders.IdempotencyKey, "tool-step");
            return request;
        }

        using var first = await Stack.Http.SendAsync(Request(body));
        var firstChunks = await ChunksAsync(first);
        using var replay = await Stack.Http.SendAsync(Request(body));
        var replayChunks = await ChunksAsync(replay);
        using var plainReplay = await Stack.Http.SendAsync(Request(body.Replace("\"stream\":true,", "", StringComparison.Ordinal)));
        Stack.Backend.Responder = null;

        Assert.DoesNotContain(firstChunks, c => c.GetProperty("choices").GetArrayLength() == 0);
        Assert.Equal("get_weather", ToolCallName(firstChunks));
        Assert.Equal("true", replay.Headers.GetValues(RoutingHeaders.Replay).Single());
        Assert.Equal("get_weather", ToolCallName(replayChunks));
        Assert.Equal(firstChunks[0].GetProperty("id").GetString(), replayChunks[0].GetProperty("id").GetString());
        using var plain = JsonDocument.Parse(await plainReplay.Content.ReadAsStringAsync());
        Assert.Equal(firstChunks[0].GetProperty("id").GetString(), plain.RootElement.GetProperty("id").GetString());
        var call = plain.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("tool_calls")[0];
        Assert.Equal("call_1", call.GetProperty("id").GetString());
        Assert.Equal("""{"city":"Paris"}""", call.GetProperty("function").GetProperty("arguments").GetString());
        Assert.Single(Stack.Backend.Requests, r => r.Header(RoutingHeaders.TaskId) == taskId);
    }

    [Fact]
    public async Task AKeyReusedForAnotherBodyIsRefusedAndTheFirstAnswerKept()
    {
        var taskId = ExecutorStack.NewTaskId();
        HttpRequestMessage Request(string content)
        {
            var request = Stack.ChatRequest(taskId, $$"""{"model":"small","messages":[{"role":"user","content":"{{content}}"}]}""");
            request.Headers.Add(RoutingHeaders.IdempotencyKey, "reused");
            return request;
        }

        using var first = await Stack.Http.SendAsync(Request("first"));
        using var other = await Stack.Http.SendAsync(Request("second"));
        using var again = await Stack.Http.SendAsync(Request("first"));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);
        using var error = JsonDocument.Parse(await other.Content.ReadAsStringAsync());
        Assert.Equal(RoutingHeaders.IdempotencyKey, error.RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal("true", again.Headers.GetValues(RoutingHeaders.Replay).Single());
    }

    [Fact]
    public async Task AKeyReusedForAnotherStepOverGrpcIsInvalid()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 1_000_000);
        var first = ExecutorStack.Step(taskId, content: "one");
        first.IdempotencyKey = "grpc-reused";
        var second = ExecutorStack.Step(taskId, content: "two");
        second.IdempotencyKey = "grpc-reused";

        await Stack.Client.StepAsync(first, ExecutorStack.Acme);
        var replay = await Stack.Client.StepAsync(first, ExecutorStack.Acme);
        var error = await Assert.ThrowsAsync<RpcException>(() => Stack.Client.StepAsync(second, ExecutorStack.Acme).ResponseAsync);

        Assert.True(replay.Replayed);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task AnAgentRefusingWhatTheClientSentIsA400NotToRetry()
    {
        var taskId = ExecutorStack.NewTaskId();
        Stack.Backend.Responder = r => r.Header(RoutingHeaders.TaskId) == taskId ? ScriptedReply.Error(400, "response_format json_schema is not supported") : new ScriptedReply();

        using var response = await Stack.Http.SendAsync(Stack.ChatRequest(taskId, """{"model":"small","messages":[{"role":"user","content":"hi"}]}"""));
        Stack.Backend.Responder = null;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("false", response.Headers.GetValues(OpenAiErrorBody.ShouldRetryHeader).Single());
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("rejected_by_agent", json.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("json_schema", json.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "v1/chat/completions", 405, "method_not_allowed")]
    [InlineData("POST", "v1/embeddings", 404, "unknown_url")]
    public async Task UnmatchedRoutesAnswerOpenAiErrors(string method, string path, int status, string code)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        using var response = await Stack.Http.SendAsync(request);

        Assert.Equal(status, (int)response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(code, json.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task UnmatchedRoutesUnderMessagesAnswerAnthropicErrors()
    {
        using var response = await Stack.Http.GetAsync(new Uri("v1/messages/batches/x", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("error", json.RootElement.GetProperty("type").GetString());
        Assert.Equal("not_found_error", json.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task AModelIsReadByItsId()
    {
        using var found = await Send(HttpMethod.Get, "v1/models/small");
        using var missing = await Send(HttpMethod.Get, "v1/models/nope");

        using var model = JsonDocument.Parse(await found.Content.ReadAsStringAsync());
        Assert.Equal("small", model.RootElement.GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var error = JsonDocument.Parse(await missing.Content.ReadAsStringAsync());
        Assert.Equal("model_not_found", error.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    private static long StepCostsImageBound() => Pipeline.StepCosts.ImageTokensHighDetail;

    private async Task<long> ReservedAsync(string taskId, string content)
    {
        using var response = await Stack.Http.SendAsync(Stack.ChatRequest(taskId, $$"""{"model":"small","max_tokens":10,"messages":[{"role":"user","content":{{content}}}]}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("routing").GetProperty("reserved_micros").GetInt64();
    }

    private HttpRequestMessage Post(string body, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }

    private Task<HttpResponseMessage> Send(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ExecutorStack.AcmeKey);
        return Stack.Http.SendAsync(request);
    }

    private static async Task<List<JsonElement>> ChunksAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e["data: ".Length..]).ToList();
        Assert.Equal("[DONE]", events[^1]);
        return events[..^1].Select(e => JsonDocument.Parse(e).RootElement.Clone()).ToList();
    }

    private static string? ToolCallName(List<JsonElement> chunks) =>
        chunks.Where(c => c.GetProperty("choices").GetArrayLength() > 0)
            .Select(c => c.GetProperty("choices")[0].GetProperty("delta"))
            .Where(d => d.TryGetProperty("tool_calls", out _))
            .Select(d => d.GetProperty("tool_calls")[0].GetProperty("function").GetProperty("name").GetString())
            .FirstOrDefault(n => n is { Length: > 0 });

    /// <summary>A stack whose tenant acme has default task and per-request budgets, and globex none.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public const long AcmeTaskBudget = 777_000;

        public const long AcmeRequestBudget = 5_000;

        private ExecutorStack? _stack;

        public ExecutorStack Stack => _stack ?? throw new InvalidOperationException("not started");

        public async Task InitializeAsync() => _stack = await ExecutorStack.StartAsync(
            tenantSettings: new Dictionary<string, TenantSettings> { ["acme"] = new(AcmeTaskBudget, AcmeRequestBudget) });

        public async Task DisposeAsync()
        {
            if (_stack is not null)
            {
                await _stack.DisposeAsync();
            }
        }
    }
}
