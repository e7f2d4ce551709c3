using Microsoft.Extensions.DependencyInjection.Extensions;
using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Routing.Backends.Pool;
using Routing.Executor.Auctions;
using Routing.Executor.Episodes;
using Routing.Executor.Grpc;
using Routing.Executor.Http;
using Routing.Executor.Http.Messages;
using Routing.Executor.Http.Responses;
using Routing.Executor.Metrics;
using Routing.Executor.Options;
using Routing.Executor.Pipeline;
using Routing.Executor.Tasks;
using Routing.Executor.Tenancy;
using Routing.Kubernetes.Hosting;
using Routing.ServiceDefaults.Auth;
using Routing.ServiceDefaults.Grpc;
using Routing.ServiceDefaults.Hosting;
using Routing.ServiceDefaults.Options;
using Routing.ServiceDefaults.Redis;

namespace Routing.Executor;

/// <summary>Builds the executor; used by its own Program and by the CLI, which hosts it in-process.</summary>
public static class ExecutorServiceHost
{
    public const int DefaultGrpcPort = 5104;
    public const int DefaultHttpPort = 8104;
    public const int DefaultMetricsPort = 9104;

    /// <param name="configure">Runs first: adds configuration or services (a registered <c>IAgentPool</c> replaces the configured one).</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        builder.AddServiceDefaults(DefaultGrpcPort, DefaultMetricsPort);
        builder.AddServiceMetrics("executor", ExecutorMetrics.Registry, AgentPoolMetrics.Registry);
        var http = AddHttpListener(builder);
        builder.Services.AddAgentPool(builder.Configuration);
        // The pool's ConfigMap watched through the API (off unless Routing:AgentPool:Watch:ConfigMap is set):
        // changes apply without waiting for the kubelet to refresh the mounted file.
        builder.Services.AddConfigMapKeyWatch("Routing:AgentPool:Watch", "agents.json",
            sp => (json, source) => sp.GetRequiredService<ConfiguredAgentPool>().Apply(json, source));
        builder.Services.AddExecutor();
        builder.Services.AddSingleton(new StorageErrorPolicy(
            "the executor's Redis (task state, step replays) is unreachable; nothing was spent, retry with the same idempotency_key",
            "executor state script failed",
            ExecutorMetrics.Errors));
        builder.Services.AddGrpc(o => o.Interceptors.Add<StorageErrorInterceptor>());

        var app = builder.Build();
        app.MapServiceDefaults();
        app.Lifetime.ApplicationStarted.Register(http.CopyBoundPort);
        app.MapGrpcService<ExecutorGrpcService>();
        app.MapOpenAiEndpoints(http);
        app.MapResponsesEndpoints();
        app.MapMessagesEndpoints();
        return app;
    }

    public static IServiceCollection AddExecutor(this IServiceCollection services)
    {
        services.AddRoutingRedis("routing-executor");
        services.AddValidatedOptions<ExecutorOptions>(ExecutorOptions.SectionName);
        services.AddValidatedOptions<TenantsOptions>(TenantsOptions.SectionName);
        services.AddSingleton<TenantDirectory>();
        services.AddSingleton<TenantAuthenticator>();
        services.AddSingleton<Http.UnmatchedRouteErrors>();
        services.AddServiceTokens();
        services.AddSingleton<ServiceClients>();
        services.AddSingleton<TaskStore>();
        services.AddValidatedOptions<EpisodeLogOptions>(EpisodeLogOptions.SectionName);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<EpisodeLogRedis>();
        services.AddSingleton<EpisodeLog>();
        services.AddSingleton<StepRecorder>();
        services.AddSingleton<ExecutorInstance>();
        services.AddSingleton<StepClaims>();
        services.AddSingleton<StepRecovery>();
        services.AddSingleton<StepPipeline>();
        services.AddSingleton<TaskOperations>();
        services.AddSingleton<Http.Responses.ResponseStore>();
        // RunTask's episodes come from the lab (the simulator registers its runner first); the product has none.
        services.TryAddSingleton<IEpisodeRunner, NoEpisodeRunner>();
        services.AddSingleton<ParkedCommits>();
        services.AddSingleton<BudgetSettlement>();
        services.AddHostedService<ParkedCommitRetrier>();
        services.AddExecutorSale();
        return services;
    }

    /// <summary>The OpenAI-compatible HTTP/1 listener, beside the gRPC and metrics ones of the service defaults.</summary>
    private static HttpListenerEndpoint AddHttpListener(WebApplicationBuilder builder)
    {
        var options = new ExecutorOptions();
        builder.Configuration.GetSection(ExecutorOptions.SectionName).Bind(options);
        if (options.HttpPort is < 0 or > 65535)
        {
            throw new InvalidOperationException($"{ExecutorOptions.SectionName}:HttpPort: must be between 0 and 65535 (got {options.HttpPort})");
        }
        var endpoint = new HttpListenerEndpoint { Port = options.HttpPort };
        builder.Services.AddSingleton(endpoint);
        var bind = builder.Configuration[$"{ServiceEndpointOptions.SectionName}:BindAddress"] ?? new ServiceEndpointOptions().BindAddress;
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Parse(bind), options.HttpPort, listen =>
        {
            listen.Protocols = HttpProtocols.Http1;
            endpoint.Listener = listen;
        }));
        return endpoint;
    }
}
