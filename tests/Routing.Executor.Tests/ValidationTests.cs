using System.Net;
using System.Text.Json;
using Grpc.Core;
using Routing.Contracts.Executor.V1;
using Xunit;

namespace Routing.Executor.Tests;

public sealed class ValidationTests(SharedExecutorStack shared) : IClassFixture<SharedExecutorStack>
{
    private ExecutorStack Stack => shared.Stack;

    public static TheoryData<string, string> BadSteps => new()
    {
        { "task_id", "" },
        { "messages", "" },
        { "messages[0].role", "" },
        { "max_tokens", "" },
        { "agent", "" },
        { "temperature", "" },
        { "top_logprobs", "" },
        { "tools_json", "" },
        { "idempotency_key", "" },
        { "cost_preference", "" },
        { "signals.self_confidence", "" },
        { "signals.context_tokens", "" },
    };

    [Theory]
    [MemberData(nameof(BadSteps))]
    public async Task EveryBadStepFieldIsNamed(string field, string unused)
    {
        _ = unused;
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 1_000_000);
        var request = ExecutorStack.Step(taskId);
        switch (field)
        {
            case "task_id": request.TaskId = ""; break;
            case "messages": request.Messages.Clear(); break;
            case "messages[0].role": request.Messages[0].Role = "robot"; break;
            case "max_tokens": request.MaxTokens = 100_000; break;
            case "agent": request.Agent = "nobody"; break;
            case "temperature": request.Temperature = 3; break;
            case "top_logprobs": request.TopLogprobs = 3; break;
            case "tools_json": request.ToolsJson = "{not json"; break;
            case "idempotency_key": request.IdempotencyKey = new string('k', 300); break;
            case "cost_preference": request.CostPreference = -1; break;
            case "signals.self_confidence": request.Signals = new StepSignals { SelfConfidence = 2 }; break;
            case "signals.context_tokens": request.Signals = new StepSignals { ContextTokens = -1 }; break;
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => Stack.Client.StepAsync(request, ExecutorStack.Acme).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith(field + " ", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("limit_micros", 0L, 0)]
    [InlineData("horizon", 1_000L, -1)]
    [InlineData("task_id", 1_000L, 0)]
    public async Task EveryBadOpenTaskFieldIsNamed(string field, long limit, int horizon)
    {
        var request = new OpenTaskRequest { TaskId = field == "task_id" ? "" : ExecutorStack.NewTaskId(), LimitMicros = limit, Horizon = horizon };

        var error = await Assert.ThrowsAsync<RpcException>(() => Stack.Client.OpenTaskAsync(request, ExecutorStack.Acme).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith(field + " ", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":"x"}]}""", "model")]
    [InlineData("""{"model":"auto","messages":"x"}""", "messages")]
    [InlineData("""{"model":"auto","messages":[{"content":"x"}]}""", "messages[0].role")]
    [InlineData("""{"model":"auto","max_tokens":0,"messages":[{"role":"user","content":"x"}]}""", "max_tokens")]
    [InlineData("""{"model":"auto","max_tokens":"ten","messages":[{"role":"user","content":"x"}]}""", "max_tokens")]
    [InlineData("""{"model":"nobody","messages":[{"role":"user","content":"x"}]}""", "model")]
    [InlineData("""{"model":"auto","stream_options":{},"messages":[{"role":"user","content":"x"}]}""", "stream_options")]
    [InlineData("""{"model":"auto","tools":{},"messages":[{"role":"user","content":"x"}]}""", "tools")]
    public async Task EveryBadHttpParameterIsNamed(string body, string param)
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 1_000_000);

        using var response = await Stack.Http.SendAsync(Stack.ChatRequest(taskId, body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(param, json.RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task MissingTaskHeaderIsNamed()
    {
        var request = Stack.ChatRequest("x", """{"model":"auto","messages":[{"role":"user","content":"x"}]}""");
        request.Headers.Remove("X-Routing-Task-Id");

        using var response = await Stack.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("X-Routing-Task-Id", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidJsonIsABadRequestNotAServerError()
    {
        using var response = await Stack.Http.SendAsync(Stack.ChatRequest("x", "{nope"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("invalid_request_error", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
