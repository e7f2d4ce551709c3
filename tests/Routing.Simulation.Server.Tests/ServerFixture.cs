using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Routing.Simulation.Server.Tests;

/// <summary>A simulator server on a free loopback port with an <see cref="HttpClient"/> pointed at it.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public const ulong Seed = 4_242;

    private readonly SimulatorServerOptions _options;

    public ServerFixture()
        : this(new SimulatorServerOptions { Seed = Seed })
    {
    }

    private ServerFixture(SimulatorServerOptions options)
    {
        _options = options;
    }

    public SimulatorServer Server { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public static async Task<ServerFixture> StartAsync(SimulatorServerOptions options)
    {
        var fixture = new ServerFixture(options);
        await fixture.InitializeAsync();
        return fixture;
    }

    public async Task InitializeAsync()
    {
        Server = await SimulatorServer.StartAsync(_options);
        Client = new HttpClient { BaseAddress = Server.Address, Timeout = TimeSpan.FromSeconds(20) };
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }

    /// <summary>A minimal valid request body for a task on a model, with extra top-level properties.</summary>
    public static string Body(string model, string? taskId, string extra = "")
    {
        var metadata = taskId is null ? "" : $", \"metadata\": {{\"task_id\": \"{taskId}\"}}";
        return $"{{\"model\": \"{model}\", \"messages\": [{{\"role\": \"user\", \"content\": \"Solve the task.\"}}]{metadata}{extra}}}";
    }

    public static StringContent Json(string body) => new(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));

    public async Task<(int Status, JsonDocument Json, HttpResponseMessage Response)> PostAsync(string body, string path = "v1/chat/completions")
    {
        var response = await Client.PostAsync(path, Json(body));
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonDocument.Parse(text), response);
    }

    /// <summary>One non-streaming call; fails the test unless it answers 200.</summary>
    public async Task<JsonElement> CompleteAsync(string model, string taskId, string extra = "")
    {
        var (status, json, _) = await PostAsync(Body(model, taskId, extra));
        Assert.True(status == 200, $"HTTP {status}: {json.RootElement}");
        return json.RootElement.Clone();
    }
}
