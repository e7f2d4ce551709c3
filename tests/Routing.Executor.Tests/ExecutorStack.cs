using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Grpc.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Routing.Budget;
using Routing.Contracts.Budget.V1;
using Routing.Contracts.Executor.V1;
using Routing.Contracts.Wire;
using Routing.Executor.Episodes;
using Routing.Executor.Http;
using Routing.Executor.Tenancy;
using Routing.Policy;
using Routing.ServiceDefaults.Hosting;
using Routing.Simulation.Hosting;
using Routing.Testing;
using StackExchange.Redis;

namespace Routing.Executor.Tests;

/// <summary>
/// Real budget and policy services and a scripted OpenAI server on loopback, with an executor in front of them.
/// Tenants "acme" and "globex" have keys <see cref="AcmeKey"/> and <see cref="GlobexKey"/>.
/// </summary>
public sealed class ExecutorStack : IAsyncDisposable
{
    public const string AcmeKey = "sk-acme-test";
    public const string GlobexKey = "sk-globex-test";

    /// <summary>
    /// The pool file: "small" at $1 / $2 and "large" at $10 / $30 per million tokens in / out, both served by the
    /// scripted server under the models "small-model" and "large-model", at most 512 output tokens each.
    /// </summary>
    public static string AgentsJson(Uri endpoint) => $$"""
        {"agents":[
          {"name":"small","endpoint":"{{endpoint}}","model":"small-model","priceInMicrosPerMTok":1000000,"priceOutMicrosPerMTok":2000000,"tier":0,"maxOutputTokens":512},
          {"name":"large","endpoint":"{{endpoint}}","model":"large-model","priceInMicrosPerMTok":10000000,"priceOutMicrosPerMTok":30000000,"tier":1,"maxOutputTokens":512}
        ]}
        """;

    private readonly LoopbackService? _budget;
    private readonly LoopbackService? _policy;
    private readonly LoopbackService _executor;
    private readonly string _tenantsFile;

    private ExecutorStack(ScriptedOpenAiServer backend, LoopbackService? budget, LoopbackService? policy, LoopbackService executor, string tenantsFile, string keyPrefix)
    {
        Backend = backend;
        _budget = budget;
        _policy = policy;
        _executor = executor;
        _tenantsFile = tenantsFile;
        KeyPrefix = keyPrefix;
        Client = new ExecutorService.ExecutorServiceClient(executor.Channel);
        Budget = budget is null ? null : new BudgetService.BudgetServiceClient(budget.Channel);
        Http = new HttpClient { BaseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{HttpPort}/")) };
    }

    public ScriptedOpenAiServer Backend { get; }

    public ExecutorService.ExecutorServiceClient Client { get; }

    /// <summary>Null when the stack runs without a budget service (budget-down tests).</summary>
    public BudgetService.BudgetServiceClient? Budget { get; }

    public HttpClient Http { get; }

    public string KeyPrefix { get; }

    public IServiceProvider Services => _executor.Services;

    public int HttpPort => _executor.Services.GetRequiredService<HttpListenerEndpoint>().Port;

    /// <param name="withBudget">False points the executor at a port nothing listens on.</param>
    /// <param name="withPolicy">False likewise for the policy service.</param>
    /// <param name="tenantSettings">Default budgets of acme or globex in the tenants file; none when null.</param>
    /// <param name="withSimulator">False starts the executor as its image runs it: no simulator plugged in from the lab.</param>
    public static async Task<ExecutorStack> StartAsync(
        bool withBudget = true, bool withPolicy = true, IDictionary<string, string?>? settings = null, IReadOnlyDictionary<string, TenantSettings>? tenantSettings = null,
        bool withSimulator = true)
    {
        var backend = await ScriptedOpenAiServer.StartAsync();
        var budget = withBudget ? await StartBudgetAsync() : null;
        var policy = withPolicy ? await StartPolicyAsync() : null;
        var tenantsFile = Path.Combine(Path.GetTempPath(), $"routing-tenants-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(tenantsFile, TenantKeyFile.Write([("acme", AcmeKey), ("globex", GlobexKey)], tenantSettings));
        var keyPrefix = TestRedis.UniquePrefix();
        var configuration = LoopbackService.Settings(new Dictionary<string, string?>
        {
            ["Routing:Redis:ConnectionString"] = TestRedis.ConnectionString,
            ["Routing:Executor:BudgetAddress"] = budget?.Endpoint is { } b ? Address(b.GrpcPort) : Address(DeadPort()),
            ["Routing:Executor:PolicyAddress"] = policy?.Endpoint is { } p ? Address(p.GrpcPort) : Address(DeadPort()),
            ["Routing:Executor:HttpPort"] = "0",
            ["Routing:Executor:KeyPrefix"] = keyPrefix,
            ["Routing:Executor:FallbackAgent"] = "small",
            ["Routing:Tenants:File"] = tenantsFile,
            ["Routing:Backends:Timeout"] = "00:00:05",
            ["Routing:Backends:RetryBaseDelay"] = "00:00:00.010",
        }, settings);
        var agentsFile = Path.ChangeExtension(tenantsFile, ".agents.json");
        await File.WriteAllTextAsync(agentsFile, AgentsJson(backend.BaseAddress));
        if (!configuration.ContainsKey("Routing:AgentPool:UseSimulator") && !configuration.ContainsKey("Routing:AgentPool:File"))
        {
            configuration["Routing:AgentPool:File"] = agentsFile;
        }
        var app = ExecutorServiceHost.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(configuration);
            if (withSimulator)
            {
                builder.Services.AddSimulatorHosting(builder.Configuration);
            }
        });
        var executor = await LoopbackService.StartAsync(app);
        return new ExecutorStack(backend, budget, policy, executor, tenantsFile, keyPrefix);
    }

    public static Metadata Auth(string key) => new() { { "authorization", $"Bearer {key}" } };

    public static Metadata Acme => Auth(AcmeKey);

    public static string NewTaskId() => "task-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Opens a task for acme (or <paramref name="key"/>'s tenant) over gRPC.</summary>
    public Task<TaskInfo> OpenAsync(string taskId, long limitMicros, string key = AcmeKey) =>
        Client.OpenTaskAsync(new Contracts.Executor.V1.OpenTaskRequest { TaskId = taskId, LimitMicros = limitMicros, TaskText = "fix the failing test" }, Auth(key)).ResponseAsync;

    public static StepRequest Step(string taskId, string? agent = "small", int maxTokens = 100, string content = "hello")
    {
        var request = new StepRequest { TaskId = taskId, MaxTokens = maxTokens };
        request.Messages.Add(new Contracts.Executor.V1.ChatMessage { Role = "user", Content = content });
        if (agent is not null)
        {
            request.Agent = agent;
        }
        return request;
    }

    public HttpRequestMessage ChatRequest(string taskId, string body, string? key = AcmeKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add(RoutingHeaders.TaskId, taskId);
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return request;
    }

    public async Task<TaskLedger> LedgerAsync(string taskId, string tenant = "acme") =>
        await (Budget ?? throw new InvalidOperationException("no budget service")).GetTaskAsync(new Contracts.Budget.V1.GetTaskRequest { Tenant = tenant, TaskId = taskId });

    /// <summary>The task's episode-log records (acme's log, as <c>routing export episodes</c> writes them), in order.</summary>
    public async Task<List<JsonElement>> EpisodeRecordsAsync(string taskId)
    {
        using var redis = await ConnectionMultiplexer.ConnectAsync(TestRedis.ConnectionString);
        using var output = new StringWriter();
        await EpisodeExporter.ExportAsync(redis.GetDatabase(), KeyPrefix, ["acme"], output, CancellationToken.None);
        return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(r => r.GetProperty("task_id").GetString() == taskId)
            .ToList();
    }

    public async Task<string> MetricsAsync()
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{_executor.Endpoint.MetricsPort}/metrics")));
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _executor.DisposeAsync();
        if (_policy is not null)
        {
            await _policy.DisposeAsync();
        }
        if (_budget is not null)
        {
            await _budget.DisposeAsync();
        }
        await Backend.DisposeAsync();
        File.Delete(_tenantsFile);
        File.Delete(Path.ChangeExtension(_tenantsFile, ".agents.json"));
    }

    private static async Task<LoopbackService> StartBudgetAsync()
    {
        var configuration = LoopbackService.Settings(new Dictionary<string, string?>
        {
            ["Routing:Redis:ConnectionString"] = TestRedis.ConnectionString,
            ["Routing:Budget:KeyPrefix"] = TestRedis.UniquePrefix(),
        }, null);
        return await LoopbackService.StartAsync(BudgetServiceHost.Build([], builder => builder.Configuration.AddInMemoryCollection(configuration)));
    }

    private static async Task<LoopbackService> StartPolicyAsync()
    {
        var configuration = LoopbackService.Settings(new Dictionary<string, string?>(), null);
        return await LoopbackService.StartAsync(PolicyServiceHost.Build([], builder => builder.Configuration.AddInMemoryCollection(configuration)));
    }

    private static string Address(int port) => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");

    private static int DeadPort() => FreePort.Pick(IPAddress.Loopback);
}

/// <summary>One stack for a test class; tests keep apart by their own task ids.</summary>
public sealed class SharedExecutorStack : Xunit.IAsyncLifetime
{
    private ExecutorStack? _stack;

    public ExecutorStack Stack => _stack ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _stack = await ExecutorStack.StartAsync();

    public async Task DisposeAsync()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }
    }
}
