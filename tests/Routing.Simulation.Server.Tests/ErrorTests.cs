using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Routing.Contracts.Wire;

namespace Routing.Simulation.Server.Tests;

/// <summary>Every malformed request gets an OpenAI-style error body with the right status, naming the parameter.</summary>
public sealed class ErrorTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string Messages = "\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]";
    private const string Task = "\"metadata\": {\"task_id\": \"search-0-1\"}";

    public static TheoryData<string, int, string?, string?> BadBodies => new()
    {
        // body, status, param, code
        { "{\"model\": ", 400, null, "invalid_json" },
        { "", 400, null, "invalid_json" },
        { "[1, 2]", 400, null, "invalid_json" },
        { $"{{{Messages}, {Task}}}", 400, "model", "missing_required_parameter" },
        { $"{{\"model\": 7, {Messages}, {Task}}}", 400, "model", "invalid_type" },
        { $"{{\"model\": \"\", {Messages}, {Task}}}", 400, "model", "empty_string" },
        { $"{{\"model\": \"qwen3-4b\", {Task}}}", 400, "messages", "missing_required_parameter" },
        { $"{{\"model\": \"qwen3-4b\", \"messages\": {{}}, {Task}}}", 400, "messages", "invalid_type" },
        { $"{{\"model\": \"qwen3-4b\", \"messages\": [], {Task}}}", 400, "messages", "empty_array" },
        { $"{{\"model\": \"qwen3-4b\", \"messages\": [\"hi\"], {Task}}}", 400, "messages[0]", "invalid_type" },
        { $"{{\"model\": \"qwen3-4b\", \"messages\": [{{\"content\": \"hi\"}}], {Task}}}", 400, "messages[0].role", "missing_required_parameter" },
        { $"{{\"model\": \"qwen3-4b\", \"messages\": [{{\"role\": \"user\", \"content\": \"a\"}}, {{\"role\": \"robot\", \"content\": \"b\"}}], {Task}}}", 400, "messages[1].role", "invalid_value" },
        { $"{{\"model\": \"qwen3-4b\", \"messages\": [{{\"role\": \"user\"}}], {Task}}}", 400, "messages[0].content", "missing_required_parameter" },
        { $"{{\"model\": \"qwen3-4b\", \"messages\": [{{\"role\": \"user\", \"content\": 5}}], {Task}}}", 400, "messages[0].content", "invalid_type" },
        { $"{{\"model\": \"qwen3-4b\", {Messages}}}", 400, "metadata.task_id", "missing_required_parameter" },
        { $"{{\"model\": \"qwen3-4b\", {Messages}, \"metadata\": {{\"task_id\": \"physics-0-1\"}}}}", 400, "metadata.task_id", "invalid_task_id" },
        { $"{{\"model\": \"qwen3-4b\", {Messages}, \"metadata\": {{\"task_id\": \"search-5-1\"}}}}", 400, "metadata.task_id", "invalid_task_id" },
        { $"{{\"model\": \"qwen3-4b\", {Messages}, \"metadata\": {{\"task_id\": 12}}}}", 400, "metadata.task_id", "invalid_type" },
        { $"{{\"model\": \"qwen3-4b\", {Messages}, \"metadata\": \"x\"}}", 400, "metadata", "invalid_type" },
        { $"{{\"model\": \"qwen3-4b\", {Messages}, {Task}, \"stream\": \"yes\"}}", 400, "stream", "invalid_type" },
        { $"{{\"model\": \"qwen3-4b\", {Messages}, {Task}, \"stream_options\": {{\"include_usage\": true}}}}", 400, "stream_options", "invalid_value" },
        { $"{{\"model\": \"qwen3-4b\", {Messages}, {Task}, \"logprobs\": 1}}", 400, "logprobs", "invalid_type" },
        { $"{{\"model\": \"qwen3-4b\", {Messages}, {Task}, \"top_logprobs\": 2}}", 400, "top_logprobs", "invalid_value" },
        { $"{{\"model\": \"qwen3-4b\", {Messages}, {Task}, \"logprobs\": true, \"top_logprobs\": 21}}", 400, "top_logprobs", "integer_out_of_range" },
        { $"{{\"model\": \"qwen3-4b\", {Messages}, {Task}, \"n\": 2}}", 400, "n", "unsupported_value" },
        { $"{{\"model\": \"qwen3-4b\", {Messages}, {Task}, \"max_tokens\": 0}}", 400, "max_tokens", "invalid_value" },
        { $"{{\"model\": \"qwen3-4b\", {Messages}, {Task}, \"temperature\": 3}}", 400, "temperature", "invalid_value" },
        { $"{{\"model\": \"qwen3-9000b\", {Messages}, {Task}}}", 404, "model", "model_not_found" },
        { $"{{\"model\": \"qwen3-4b\", {Messages}, \"metadata\": {{\"task_id\": \"search-0-1\", \"routing_sale\": \"vote\"}}}}", 400, "metadata.routing_sale", "invalid_value" },
        { $"{{\"model\": \"qwen3-4b\", {Messages}, \"metadata\": {{\"task_id\": \"search-0-1\", \"routing_sale\": \"bid\"}}, \"stream\": true}}", 400, "stream", "unsupported_value" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task MalformedRequestsAreRefusedWithAnOpenAiErrorBody(string body, int status, string? param, string? code)
    {
        var (actual, json, _) = await server.PostAsync(body);

        AssertError(json, actual, status, param, code);
    }

    [Fact]
    public async Task HeaderAndMetadataMustNameTheSameTask()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = ServerFixture.Json(ServerFixture.Body("qwen3-4b", "search-0-1")) };
        request.Headers.Add(RoutingHeaders.TaskId, "search-0-2");
        using var response = await server.Client.SendAsync(request);

        AssertError(JsonDocument.Parse(await response.Content.ReadAsStringAsync()), (int)response.StatusCode, 400, "metadata.task_id", "task_id_conflict");
    }

    [Theory]
    [InlineData("GET", "v1/chat/completions", "POST")]
    [InlineData("PUT", "v1/chat/completions", "POST")]
    [InlineData("DELETE", "v1/models", "GET")]
    [InlineData("POST", "v1/models/qwen3-4b", "GET")]
    public async Task WrongMethodsGet405WithAllow(string method, string path, string allow)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "GET" ? null : ServerFixture.Json("{}") };
        using var response = await server.Client.SendAsync(request);

        AssertError(JsonDocument.Parse(await response.Content.ReadAsStringAsync()), (int)response.StatusCode, 405, null, "method_not_allowed");
        Assert.Equal(allow, response.Content.Headers.Allow.Single());
    }

    [Theory]
    [InlineData("v1/completions", "unknown_url", null)]
    [InlineData("v1/models/qwen3-9000b", "model_not_found", "model")]
    public async Task UnknownPathsAndModelsGet404(string path, string code, string? param)
    {
        using var response = await server.Client.GetAsync(path);

        AssertError(JsonDocument.Parse(await response.Content.ReadAsStringAsync()), (int)response.StatusCode, 404, param, code);
    }

    [Fact]
    public async Task NonJsonContentTypeGets415()
    {
        using var content = new StringContent(ServerFixture.Body("qwen3-4b", "search-0-1"), Encoding.UTF8, "text/plain");
        using var response = await server.Client.PostAsync("v1/chat/completions", content);

        AssertError(JsonDocument.Parse(await response.Content.ReadAsStringAsync()), (int)response.StatusCode, 415, null, "unsupported_media_type");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task OversizedBodiesGet413WithOrWithoutContentLength(bool withLength)
    {
        await using var small = await ServerFixture.StartAsync(new SimulatorServerOptions { MaxRequestBodyBytes = 2_048 });
        var body = ServerFixture.Body("qwen3-4b", "search-0-1", $", \"user\": \"{new string('x', 8_000)}\"");
        using HttpContent content = withLength
            ? ServerFixture.Json(body)
            : new StreamContent(new UnknownLengthStream(Encoding.UTF8.GetBytes(body)));
        if (!withLength)
        {
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        using var response = await small.Client.PostAsync("v1/chat/completions", content);

        AssertError(JsonDocument.Parse(await response.Content.ReadAsStringAsync()), (int)response.StatusCode, 413, null, "request_too_large");
    }

    [Fact]
    public async Task TooManyOpenTasksGet429()
    {
        await using var tiny = await ServerFixture.StartAsync(new SimulatorServerOptions { MaxTasks = 1 });
        await tiny.CompleteAsync("qwen3-4b", "search-0-1");
        await tiny.CompleteAsync("qwen3-4b", "search-0-1");

        var (status, json, _) = await tiny.PostAsync(ServerFixture.Body("qwen3-4b", "search-0-2"));

        AssertError(json, status, 429, null, "too_many_tasks");
        Assert.Equal("rate_limit_error", json.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public void BadOptionsAreNamed()
    {
        var problems = new SimulatorServerOptions { Port = 70_000, MaxRequestBodyBytes = 10, MaxTasks = 0 }.Validate();

        Assert.Equal(3, problems.Count);
        Assert.Throws<ArgumentException>(() => SimulatorServer.Build(new SimulatorServerOptions { Port = -1 }));
    }

    private static void AssertError(JsonDocument json, int actualStatus, int status, string? param, string? code)
    {
        var error = json.RootElement.GetProperty("error");
        Assert.True(actualStatus == status, $"expected HTTP {status}, got {actualStatus}: {json.RootElement}");
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("type").GetString()));
        Assert.Equal(param, error.GetProperty("param").ValueKind == JsonValueKind.Null ? null : error.GetProperty("param").GetString());
        Assert.Equal(code, error.GetProperty("code").ValueKind == JsonValueKind.Null ? null : error.GetProperty("code").GetString());
        Assert.Equal(4, error.EnumerateObject().Count());
    }

    /// <summary>A stream that hides its length, so the client sends the body chunked.</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
