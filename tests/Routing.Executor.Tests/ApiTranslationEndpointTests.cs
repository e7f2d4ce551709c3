using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Routing.Contracts.Wire;
using Routing.Testing;
using Xunit;

namespace Routing.Executor.Tests;

/// <summary><c>/v1/responses</c> and <c>/v1/messages</c> over real HTTP, against the executor stack and its recording OpenAI-compatible backend.</summary>
public sealed class ApiTranslationEndpointTests(SharedExecutorStack shared) : IClassFixture<SharedExecutorStack>
{
    private const string WeatherTool = """{"type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}}""";

    private ExecutorStack Stack => shared.Stack;

    [Fact]
    public async Task AResponseIsOneRoutedStepWhoseCostIsLedgered()
    {
        var taskId = await OpenAsync();
        Stack.Backend.Enqueue(new ScriptedReply { Content = "hello there", PromptTokens = 20, CompletionTokens = 5 });

        using var response = await Stack.Http.SendAsync(Request("v1/responses", taskId, """{"model":"small","instructions":"be brief","input":"hi","max_output_tokens":40}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        Assert.Equal("response", root.GetProperty("object").GetString());
        Assert.StartsWith("resp_", root.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("hello there", root.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(25, root.GetProperty("usage").GetProperty("total_tokens").GetInt32());
        var sent = LastBackendBody();
        Assert.Equal("""[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}]""", sent.GetProperty("messages").GetRawText().Replace("\\u0022", "\\\"", StringComparison.Ordinal));
        Assert.Equal(40, sent.GetProperty("max_tokens").GetInt32());
        var cost = root.GetProperty("routing").GetProperty("cost_micros").GetInt64();
        Assert.Equal(cost, (await Stack.LedgerAsync(taskId)).CommittedMicros);
    }

    [Fact]
    public async Task AStreamedResponseToolCallHasTheResponsesEvents()
    {
        var taskId = await OpenAsync();
        Stack.Backend.Enqueue(new ScriptedReply { Content = "", ToolCallsJson = $"[{WeatherTool.Insert(1, "\"index\":0,\"id\":\"call_1\",")}]", FinishReason = "tool_calls" });

        using var response = await Stack.Http.SendAsync(Request("v1/responses", taskId, """
            {"model":"small","stream":true,"input":"weather in Oslo?","tool_choice":"required",
             "tools":[{"type":"function","name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}]}
            """));

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var events = await EventsAsync(response);
        Assert.Equal(
            ["response.created", "response.in_progress", "response.output_item.added", "response.function_call_arguments.delta",
             "response.function_call_arguments.done", "response.output_item.done", "response.completed"],
            events.Select(e => e.Name));
        Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => e.Data.GetProperty("sequence_number").GetInt32()));
        var done = events[5].Data.GetProperty("item");
        Assert.Equal("call_1", done.GetProperty("call_id").GetString());
        Assert.Equal("{\"city\":\"Oslo\"}", done.GetProperty("arguments").GetString());
        var completed = events[^1].Data.GetProperty("response");
        Assert.Equal(15, completed.GetProperty("usage").GetProperty("total_tokens").GetInt32());
        Assert.Equal("required", LastBackendBody().GetProperty("tool_choice").GetString());
    }

    [Fact]
    public async Task PreviousResponseIdPrependsTheEarlierTurnsOfTheTask()
    {
        var taskId = await OpenAsync();
        Stack.Backend.Enqueue(new ScriptedReply { ToolCallsJson = $"[{WeatherTool.Insert(1, "\"id\":\"call_1\",")}]", FinishReason = "tool_calls" }, new ScriptedReply { Content = "rainy" });
        using var first = await Stack.Http.SendAsync(Request("v1/responses", taskId, """{"model":"small","input":"weather?","tools":[{"type":"function","name":"get_weather"}]}"""));
        var firstId = JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();

        using var second = await Stack.Http.SendAsync(Request("v1/responses", taskId,
            $$"""{"model":"small","previous_response_id":"{{firstId}}","input":[{"type":"function_call_output","call_id":"call_1","output":"rain"}]}"""));
        using var stored = await Stack.Http.SendAsync(Get($"v1/responses/{firstId}"));
        var otherTask = await OpenAsync();
        using var elsewhere = await Stack.Http.SendAsync(Request("v1/responses", otherTask, $$"""{"model":"small","previous_response_id":"{{firstId}}","input":"x"}"""));

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        // Compared as JSON (the executor forwards the translated body as a JSON object, whose property order is its own).
        var expected = JsonNode.Parse("""[{"role":"user","content":"weather?"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}}]},{"role":"tool","content":"rain","tool_call_id":"call_1"}]""");
        var forwarded = JsonNode.Parse(LastBackendBody().GetProperty("messages").GetRawText());
        Assert.True(JsonNode.DeepEquals(expected, forwarded), forwarded?.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        Assert.Equal(firstId, JsonDocument.Parse(await stored.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, elsewhere.StatusCode);
        Assert.Equal("previous_response_id", JsonDocument.Parse(await elsewhere.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task AMessageToolCallIsAToolUseBlockAndItsChoiceReachesTheBackend()
    {
        var taskId = await OpenAsync();
        Stack.Backend.Enqueue(new ScriptedReply { ToolCallsJson = $"[{WeatherTool.Insert(1, "\"id\":\"call_7\",")}]", FinishReason = "tool_calls", PromptTokens = 30, CompletionTokens = 9 });

        using var request = Request("v1/messages", taskId, """
            {"model":"small","max_tokens":64,"messages":[{"role":"user","content":"weather?"}],"stop_sequences":["END"],
             "tools":[{"name":"get_weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],"tool_choice":{"type":"tool","name":"get_weather"}}
            """, anthropic: true);
        using var response = await Stack.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        Assert.Equal("message", root.GetProperty("type").GetString());
        Assert.Equal("tool_use", root.GetProperty("stop_reason").GetString());
        Assert.Equal("""[{"type":"tool_use","id":"call_7","name":"get_weather","input":{"city":"Oslo"}}]""", root.GetProperty("content").GetRawText().Replace("\\u0022", "\\\"", StringComparison.Ordinal));
        Assert.Equal(30, root.GetProperty("usage").GetProperty("input_tokens").GetInt32());
        Assert.Equal("""{"type":"function","function":{"name":"get_weather"}}""", LastBackendBody().GetProperty("tool_choice").GetRawText().Replace("\\u0022", "\\\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AStreamedMessageHasTheAnthropicEventsAndItsReplayKeepsTheToolCall()
    {
        var taskId = await OpenAsync();
        Stack.Backend.Enqueue(new ScriptedReply { Content = "let me check", ToolCallsJson = $"[{WeatherTool.Insert(1, "\"index\":0,\"id\":\"call_3\",")}]", FinishReason = "tool_calls" });
        const string body = """{"model":"small","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"weather?"}],"tools":[{"name":"get_weather","input_schema":{"type":"object"}}]}""";
        HttpRequestMessage Keyed()
        {
            var request = Request("v1/messages", taskId, body, anthropic: true);
            request.Headers.Add(RoutingHeaders.IdempotencyKey, "stream-1");
            return request;
        }

        using var first = await Stack.Http.SendAsync(Keyed());
        var events = await EventsAsync(first);
        using var second = await Stack.Http.SendAsync(Keyed());
        var replay = await EventsAsync(second);

        Assert.Equal(
            ["message_start", "ping", "content_block_start", "content_block_delta", "content_block_stop", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"],
            events.Select(e => e.Name));
        Assert.Equal("let me check", events[3].Data.GetProperty("delta").GetProperty("text").GetString());
        Assert.Equal("tool_use", events[5].Data.GetProperty("content_block").GetProperty("type").GetString());
        Assert.Equal("{\"city\":\"Oslo\"}", events[6].Data.GetProperty("delta").GetProperty("partial_json").GetString());
        Assert.Equal("tool_use", events[8].Data.GetProperty("delta").GetProperty("stop_reason").GetString());
        Assert.Equal(events.Select(e => e.Name), replay.Select(e => e.Name));
        Assert.Equal("call_3", replay[5].Data.GetProperty("content_block").GetProperty("id").GetString());
        Assert.Equal(events[0].Data.GetProperty("message").GetProperty("id").GetString(), replay[0].Data.GetProperty("message").GetProperty("id").GetString());
        Assert.True(replay[8].Data.GetProperty("routing").GetProperty("replayed").GetBoolean());
        Assert.Equal(1, Stack.Backend.Requests.Count(r => r.Headers.TryGetValue(RoutingHeaders.TaskId, out var t) && t == taskId));
    }

    [Fact]
    public async Task MessagesErrorsHaveAnthropicsShape()
    {
        var taskId = await OpenAsync(limitMicros: 10);
        const string body = """{"model":"small","max_tokens":200,"messages":[{"role":"user","content":"hi"}]}""";

        using var noKey = await Stack.Http.SendAsync(Request("v1/messages", taskId, body, key: null));
        using var badKey = await Stack.Http.SendAsync(Request("v1/messages", taskId, body, anthropic: true, key: "sk-wrong"));
        using var bearer = await Stack.Http.SendAsync(Request("v1/messages", taskId, body));
        using var noMaxTokens = await Stack.Http.SendAsync(Request("v1/messages", taskId, """{"model":"small","messages":[{"role":"user","content":"hi"}]}""", anthropic: true));
        using var wrongMethod = await Stack.Http.SendAsync(Get("v1/messages"));
        using var wrongPath = await Stack.Http.SendAsync(Request("v1/messages/count_tokens", taskId, body, anthropic: true));

        await AssertAnthropicErrorAsync(noKey, HttpStatusCode.Unauthorized, "authentication_error");
        await AssertAnthropicErrorAsync(badKey, HttpStatusCode.Unauthorized, "authentication_error");
        await AssertAnthropicErrorAsync(bearer, HttpStatusCode.PaymentRequired, "billing_error");
        await AssertAnthropicErrorAsync(noMaxTokens, HttpStatusCode.BadRequest, "invalid_request_error");
        await AssertAnthropicErrorAsync(wrongMethod, HttpStatusCode.MethodNotAllowed, "invalid_request_error");
        await AssertAnthropicErrorAsync(wrongPath, HttpStatusCode.NotFound, "not_found_error");
    }

    [Fact]
    public async Task AToolLoopRunsAgainstSimulatedAgents()
    {
        await using var stack = await RunTaskTests.StartSimulatedAsync();
        var taskId = "coding-1-4~toolloop";
        await stack.OpenAsync(taskId, 50_000_000);
        const string tools = """[{"type":"function","name":"run_tests","parameters":{"type":"object","properties":{"path":{"type":"string"},"verbose":{"type":"boolean"},"retries":{"type":"integer","minimum":2},"mode":{"enum":["fast","full"]}},"required":["path","retries","mode"]}}]""";

        using var call = await stack.Http.SendAsync(Request("v1/responses", taskId, $$"""{"model":"auto","input":"fix the failing test","tools":{{tools}}}"""));
        using var callJson = JsonDocument.Parse(await call.Content.ReadAsStringAsync());
        var functionCall = callJson.RootElement.GetProperty("output")[0];
        var responseId = callJson.RootElement.GetProperty("id").GetString();
        using var answer = await stack.Http.SendAsync(Request("v1/responses", taskId,
            $$"""{"model":"auto","previous_response_id":"{{responseId}}","tools":{{tools}},"input":[{"type":"function_call_output","call_id":"{{functionCall.GetProperty("call_id").GetString()}}","output":"1 failed"}]}"""));
        using var answerJson = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        Assert.Equal("function_call", functionCall.GetProperty("type").GetString());
        Assert.Equal("run_tests", functionCall.GetProperty("name").GetString());
        Assert.Equal("""{"path":"path","retries":2,"mode":"fast"}""", functionCall.GetProperty("arguments").GetString());
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("message", answerJson.RootElement.GetProperty("output")[0].GetProperty("type").GetString());
    }

    private static async Task AssertAnthropicErrorAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        Assert.Equal(status, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("error", json.RootElement.GetProperty("type").GetString());
        Assert.Equal(type, json.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("error").GetProperty("message").GetString()));
    }

    private async Task<string> OpenAsync(long limitMicros = 1_000_000)
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, limitMicros);
        return taskId;
    }

    private JsonElement LastBackendBody() => JsonDocument.Parse(Stack.Backend.Requests[^1].Body).RootElement;

    private static HttpRequestMessage Request(string path, string taskId, string body, bool anthropic = false, string? key = ExecutorStack.AcmeKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(RoutingHeaders.TaskId, taskId);
        if (key is not null && anthropic)
        {
            request.Headers.Add("x-api-key", key);
            request.Headers.Add("anthropic-version", "2023-06-01");
        }
        else if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return request;
    }

    private static HttpRequestMessage Get(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ExecutorStack.AcmeKey);
        return request;
    }

    private static async Task<List<(string Name, JsonElement Data)>> EventsAsync(HttpResponseMessage response)
    {
        var events = new List<(string, JsonElement)>();
        foreach (var block in (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = block.Split('\n');
            var name = lines.First(l => l.StartsWith("event: ", StringComparison.Ordinal))["event: ".Length..];
            var data = JsonDocument.Parse(lines.First(l => l.StartsWith("data: ", StringComparison.Ordinal))["data: ".Length..]).RootElement;
            Assert.Equal(name, data.GetProperty("type").GetString());
            events.Add((name, data));
        }
        return events;
    }
}
