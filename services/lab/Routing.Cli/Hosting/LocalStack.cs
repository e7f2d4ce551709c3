using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Trace;
using Routing.Budget;
using Routing.EmbeddedRedis;
using Routing.Executor;
using Routing.Executor.Http;
using Routing.Executor.Tenancy;
using Routing.Memory;
using Routing.Policy;
using Routing.ServiceDefaults;
using Routing.ServiceDefaults.Hosting;
using Routing.ServiceDefaults.Metrics;
using Routing.ServiceDefaults.Options;
using Routing.ServiceDefaults.Tracing;
using Routing.Simulation.Hosting;

namespace Routing.Cli.Hosting;

/// <summary>One service of the local stack and where it listens.</summary>
public sealed record LocalService(string Name, WebApplication App, ServiceEndpointOptions Endpoint)
{
    public string GrpcAddress => $"http://{Endpoint.BindAddress}:{Endpoint.GrpcPort}";

    public string MetricsAddress => $"http://{Endpoint.BindAddress}:{Endpoint.MetricsPort}/metrics";
}

/// <summary>
/// Every service that exists, hosted in this process on loopback, on a configured Redis or on an embedded
/// Redis-compatible server when none is configured.
/// </summary>
public sealed class LocalStack : IAsyncDisposable
{
    /// <summary>The tenant <c>routing up</c> configures, and its API key (loopback use only).</summary>
    public const string DevTenant = "dev";

    public const string DevApiKey = "sk-routing-dev";

    /// <summary>
    /// The services <c>routing up</c> starts, in order: name, default ports, how to build the host, and settings
    /// that depend on the services started before it.
    /// </summary>
    private static readonly (string Name, int GrpcPort, int MetricsPort, Func<string[], Action<WebApplicationBuilder>, WebApplication> Build,
        Func<LocalStack, bool, Dictionary<string, string?>>? Settings)[] Catalog =
    [
        ("budget", BudgetServiceHost.DefaultGrpcPort, BudgetServiceHost.DefaultMetricsPort, BudgetServiceHost.Build, null),
        ("policy", PolicyServiceHost.DefaultGrpcPort, PolicyServiceHost.DefaultMetricsPort, PolicyServiceHost.Build, (_, _) => PolicySettings()),
        ("memory", MemoryServiceHost.DefaultGrpcPort, MemoryServiceHost.DefaultMetricsPort, MemoryServiceHost.Build, null),
        ("executor", ExecutorServiceHost.DefaultGrpcPort, ExecutorServiceHost.DefaultMetricsPort, BuildExecutor, ExecutorSettings),
    ];

    private readonly string _tenantsFile = Path.Combine(Path.GetTempPath(), $"routing-up-tenants-{Guid.NewGuid():N}.json");

    private readonly EmbeddedRedisServer? _embeddedRedis;

    /// <summary>The process's one tracer provider; null when no OTLP endpoint is configured.</summary>
    private readonly TracerProvider? _tracing;

    private LocalStack(EmbeddedRedisServer? embeddedRedis, string redisConnectionString, IReadOnlyList<LocalService> services, TracerProvider? tracing)
    {
        _embeddedRedis = embeddedRedis;
        Tokens = RunTokens.Create();
        _tracing = tracing;
        RedisConnectionString = redisConnectionString;
        Services = services;
    }

    public string RedisConnectionString { get; }

    public bool RedisIsEmbedded => _embeddedRedis is not null;

    /// <summary>The embedded server, when the stack runs one.</summary>
    public EmbeddedRedisServer? EmbeddedRedis => _embeddedRedis;

    public IReadOnlyList<LocalService> Services { get; }

    /// <summary>This run's service and admin tokens: budget, policy and memory refuse calls without one.</summary>
    public RunTokens Tokens { get; }

    public LocalService Budget => Find("budget");

    public LocalService Policy => Find("policy");

    public LocalService Memory => Find("memory");

    public LocalService Executor => Find("executor");

    /// <summary>Base URL of the executor's OpenAI-compatible endpoint (what an OpenAI client's base_url names).</summary>
    public string ExecutorOpenAiAddress =>
        $"http://{Executor.Endpoint.BindAddress}:{Executor.App.Services.GetRequiredService<HttpListenerEndpoint>().Port}/v1";

    /// <param name="redisConnectionString">Null or empty starts the embedded server.</param>
    /// <param name="anyPorts">Pick free ports instead of each service's defaults.</param>
    /// <param name="executorOverrides">Settings of the executor that replace the stack's own (a benchmark's agent pool and simulator seed).</param>
    /// <param name="tenantsFile">A tenants file (docs/executor.md) whose tenants are served beside the dev tenant; null for the dev tenant alone.</param>
    /// <param name="dataDirectory">Where the embedded server keeps its state across restarts; null keeps it for this process only.</param>
    public static async Task<LocalStack> StartAsync(
        string? redisConnectionString, string bindAddress, bool anyPorts, string logFormat, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string?>? executorOverrides = null, string? tenantsFile = null, string? dataDirectory = null)
    {
        // Read before anything starts, so that a bad file is reported alone.
        var tenants = tenantsFile is null
            ? TenantKeyFile.Write([(DevTenant, DevApiKey)])
            : TenantKeyFile.WithTenant(File.ReadAllText(tenantsFile), tenantsFile, DevTenant, DevApiKey);
        EmbeddedRedisServer? embedded = null;
        if (string.IsNullOrWhiteSpace(redisConnectionString))
        {
            embedded = EmbeddedRedisServer.Start(dataDirectory: dataDirectory);
            redisConnectionString = embedded.ConnectionString;
        }
        else
        {
            await RedisReachability.EnsureAsync(redisConnectionString, cancellationToken);
        }

        var services = new List<LocalService>();
        // Four hosts in one process: a provider per host would record every span four times (their listeners are
        // process-wide), so the hosts trace nothing themselves and one provider here traces them all.
        var tracing = TracingSetup.ProcessProvider(new ConfigurationBuilder().AddEnvironmentVariables().Build(), "routing-up");
        var stack = new LocalStack(embedded, redisConnectionString, services, tracing);
        try
        {
            File.WriteAllText(stack._tenantsFile, tenants);
            foreach (var (name, grpcPort, metricsPort, build, extra) in Catalog)
            {
                var settings = new Dictionary<string, string?>
                {
                    ["Routing:Redis:ConnectionString"] = redisConnectionString,
                    ["Routing:Service:BindAddress"] = bindAddress,
                    ["Routing:Service:GrpcPort"] = (anyPorts ? 0 : grpcPort).ToString(CultureInfo.InvariantCulture),
                    ["Routing:Service:MetricsPort"] = (anyPorts ? 0 : metricsPort).ToString(CultureInfo.InvariantCulture),
                    [LoggingSetup.FormatKey] = logFormat,
                    // Every service shares this process: the process and runtime metrics are served once, by the first.
                    [ServiceMetrics.IncludeProcessMetricsKey] = services.Count == 0 ? "true" : "false",
                    [TracingSetup.EnabledKey] = "false",
                };
                foreach (var (key, value) in stack.Tokens.Settings)
                {
                    settings[key] = value;
                }
                foreach (var (key, value) in extra?.Invoke(stack, anyPorts) ?? [])
                {
                    settings[key] = value;
                }
                if (name == "executor")
                {
                    foreach (var (key, value) in executorOverrides ?? new Dictionary<string, string?>())
                    {
                        settings[key] = value;
                    }
                }
                var app = build([], builder => builder.Configuration.AddInMemoryCollection(settings));
                services.Add(new LocalService(name, app, (ServiceEndpointOptions)app.Services.GetService(typeof(ServiceEndpointOptions))!));
                await app.StartAsync(cancellationToken);
            }

            await stack.WaitUntilReadyAsync(ReadyTimeout, cancellationToken);
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
        return stack;
    }

    /// <summary>How long start-up waits for every service's readiness checks (the policy loads its models and the
    /// memory service its index in the background).</summary>
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Returns once every service passes its readiness checks, so that callers (and the READY line) never meet a
    /// policy service that still loads its model: an executor step would otherwise fall back instead of routing.
    /// </summary>
    private async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        foreach (var service in Services)
        {
            var health = service.App.Services.GetRequiredService<HealthCheckService>();
            while (true)
            {
                var report = await health.CheckHealthAsync(c => c.Tags.Contains(HealthTags.Ready), cancellationToken);
                if (report.Status == HealthStatus.Healthy)
                {
                    break;
                }

                if (deadline.Elapsed > timeout)
                {
                    var failing = report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy).Select(e => $"{e.Key}: {e.Value.Description ?? e.Value.Status.ToString()}");
                    throw new TimeoutException($"the {service.Name} service was not ready after {timeout.TotalSeconds:0} s ({string.Join("; ", failing)})");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = Services.Count - 1; i >= 0; i--)
        {
            await Services[i].App.StopAsync();
            await Services[i].App.DisposeAsync();
        }
        _embeddedRedis?.Dispose();
        // Flushes the spans still batched for export.
        _tracing?.Dispose();
        File.Delete(_tenantsFile);
        Tokens.Dispose();
    }

    /// <summary>The executor with the lab's simulator plugged in (sim: agents, its pool without a file, RunTask); the product image has none.</summary>
    private static WebApplication BuildExecutor(string[] args, Action<WebApplicationBuilder> configure) =>
        ExecutorServiceHost.Build(args, builder =>
        {
            configure(builder);
            builder.Services.AddSimulatorHosting(builder.Configuration);
        });

    /// <summary>
    /// Executor settings that serve an agent pool file (docs/agents.md) instead of the simulator.
    /// </summary>
    public static Dictionary<string, string?> AgentPoolSettings(string agentsFile) => new()
    {
        ["Routing:AgentPool:File"] = Path.GetFullPath(agentsFile),
        ["Routing:AgentPool:UseSimulator"] = "false",
    };

    /// <summary>
    /// The simulator's agent names label the policy's decisions (the executor sends them as candidates); the
    /// names of an agent pool file passed with executor overrides count as <c>other</c>.
    /// </summary>
    private static Dictionary<string, string?> PolicySettings()
    {
        var settings = new Dictionary<string, string?>();
        var model = Routing.Simulation.SimulatorModel.Default;
        foreach (var pool in new[] { model.SalePool, model.StepPair })
        {
            for (var i = 0; i < pool.Count; i++)
            {
                settings[$"Routing:Policy:ModelLabels:{settings.Count}"] = pool[i].Name;
            }
        }
        return settings;
    }

    /// <summary>The executor talks to the services started before it and serves the simulator's agents in-process.</summary>
    private static Dictionary<string, string?> ExecutorSettings(LocalStack stack, bool anyPorts) => new()
    {
        ["Routing:Executor:BudgetAddress"] = stack.Budget.GrpcAddress,
        ["Routing:Executor:PolicyAddress"] = stack.Policy.GrpcAddress,
        ["Routing:Executor:MemoryAddress"] = stack.Memory.GrpcAddress,
        ["Routing:Executor:HttpPort"] = (anyPorts ? 0 : ExecutorServiceHost.DefaultHttpPort).ToString(CultureInfo.InvariantCulture),
        ["Routing:AgentPool:File"] = "",
        ["Routing:AgentPool:UseSimulator"] = "true",
        ["Routing:Tenants:File"] = stack._tenantsFile,
    };

    private LocalService Find(string name)
    {
        foreach (var service in Services)
        {
            if (service.Name == name)
            {
                return service;
            }
        }
        throw new InvalidOperationException($"the local stack has no {name} service");
    }
}
