using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Xunit;

namespace Routing.Executor.Tests;

public sealed class HttpTaskTests(SharedExecutorStack shared) : IClassFixture<SharedExecutorStack>
{
    private ExecutorStack Stack => shared.Stack;

    [Fact]
    public async Task TaskLifecycleWorksOverHttpAlone()
    {
        var taskId = ExecutorStack.NewTaskId();

        using var opened = await SendAsync(HttpMethod.Post, "v1/routing/tasks", $$"""{"task_id":"{{taskId}}","limit_micros":5000}""");
        using var step = await Stack.Http.SendAsync(Stack.ChatRequest(taskId, """{"model":"auto","messages":[{"role":"user","content":"hi"}]}"""));
        using var read = await SendAsync(HttpMethod.Get, $"v1/routing/tasks/{taskId}", null);
        using var completed = await SendAsync(HttpMethod.Post, $"v1/routing/tasks/{taskId}/complete", """{"success":true}""");

        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        Assert.Equal(HttpStatusCode.OK, step.StatusCode);
        using var info = JsonDocument.Parse(await read.Content.ReadAsStringAsync());
        Assert.Equal(1, info.RootElement.GetProperty("steps").GetInt32());
        using var done = JsonDocument.Parse(await completed.Content.ReadAsStringAsync());
        Assert.True(done.RootElement.GetProperty("completed").GetBoolean());
        using var after = await Stack.Http.SendAsync(Stack.ChatRequest(taskId, """{"model":"auto","messages":[{"role":"user","content":"hi"}]}"""));
        Assert.Equal(HttpStatusCode.Conflict, after.StatusCode);
    }

    [Fact]
    public async Task BadTaskBodyIsNamed()
    {
        using var response = await SendAsync(HttpMethod.Post, "v1/routing/tasks", """{"task_id":"x","limit_micros":-5}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("limit_micros", json.RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task StreamedStepRefusedByTheBudgetIsAPlain402()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 100);

        using var response = await Stack.Http.SendAsync(Stack.ChatRequest(taskId, """{"model":"small","stream":true,"max_tokens":200,"messages":[{"role":"user","content":"hi"}]}"""));

        Assert.Equal(HttpStatusCode.PaymentRequired, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task HttpRetryWithTheSameIdempotencyKeyReplays()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 1_000_000);
        HttpRequestMessage Request()
        {
            var request = Stack.ChatRequest(taskId, """{"model":"small","messages":[{"role":"user","content":"hi"}]}""");
            request.Headers.Add("Idempotency-Key", "k1");
            return request;
        }

        using var first = await Stack.Http.SendAsync(Request());
        using var second = await Stack.Http.SendAsync(Request());

        using var replay = JsonDocument.Parse(await second.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.True(replay.RootElement.GetProperty("routing").GetProperty("replayed").GetBoolean());
        Assert.Equal(18, (await Stack.LedgerAsync(taskId)).CommittedMicros);
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ExecutorStack.AcmeKey);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
        return Stack.Http.SendAsync(request);
    }
}
