using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Routing.Backends.OpenAi;

namespace Routing.Backends.Tests;

/// <summary>The real HTTP client stack (factory, resilience pipeline) with test settings, and backends built on it.</summary>
internal sealed class HttpBackendHarness : IDisposable
{
    private readonly ServiceProvider _services;

    public HttpBackendHarness(IDictionary<string, string?>? settings = null)
    {
        var defaults = new Dictionary<string, string?>
        {
            ["Routing:Backends:Timeout"] = "00:00:10",
            ["Routing:Backends:RetryBaseDelay"] = "00:00:00.010",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            defaults[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(defaults).Build();
        _services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging(logging => logging.ClearProviders().AddProvider(Logs))
            .AddOpenAiBackendHttp()
            .BuildServiceProvider();
    }

    /// <summary>Everything the backends logged.</summary>
    public CapturedLogs Logs { get; } = new();

    public OpenAiBackendOptions Options => _services.GetRequiredService<IOptions<OpenAiBackendOptions>>().Value;

    public static AgentDefinition Agent(Uri endpoint, string model = "scripted-model", string? credential = null) =>
        new("agent-a", endpoint, model, 1_000_000, 2_000_000, 0, 512, credential);

    public static ChatCall Call(string model = "scripted-model") => new()
    {
        Model = model,
        Messages = [new ChatMessage("system", "Be brief."), new ChatMessage("user", "What is 2+2?")],
        MaxTokens = 64,
        TaskId = "task-1",
    };

    public static string Seconds(double seconds) => TimeSpan.FromSeconds(seconds).ToString("c", CultureInfo.InvariantCulture);

    public OpenAiChatBackend Backend(AgentDefinition agent) => new(
        agent,
        _services.GetRequiredService<IHttpClientFactory>().CreateClient(OpenAiChatBackend.HttpClientName),
        Options,
        _services.GetRequiredService<ILogger<OpenAiChatBackend>>());

    public Anthropic.AnthropicChatBackend AnthropicBackend(AgentDefinition agent) => new(
        agent with { Api = AgentApi.Anthropic },
        _services.GetRequiredService<IHttpClientFactory>().CreateClient(OpenAiChatBackend.HttpClientName),
        Options,
        _services.GetRequiredService<ILogger<Anthropic.AnthropicChatBackend>>());

    public void Dispose() => _services.Dispose();
}

/// <summary>Keeps every formatted log message, so a test can check what was (and was not) logged.</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _messages = new();

    public IReadOnlyList<string> Messages => [.. _messages];

    public ILogger CreateLogger(string categoryName) => new Logger(_messages);

    public void Dispose()
    {
    }

    private sealed class Logger(System.Collections.Concurrent.ConcurrentQueue<string> messages) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            messages.Enqueue(formatter(state, exception) + " " + exception);
    }
}
