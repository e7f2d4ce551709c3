using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Routing.Policy.Decisions;
using Routing.Policy.Grpc;
using Routing.Policy.Inference;
using Routing.Policy.Models;
using Routing.Policy.Options;
using Routing.Policy.Rollout;
using Routing.Kubernetes.Hosting;
using Routing.ServiceDefaults;
using Routing.ServiceDefaults.Auth;
using Routing.ServiceDefaults.Hosting;
using Routing.ServiceDefaults.Options;
using Routing.Policy.Metrics;

namespace Routing.Policy;

/// <summary>Builds the policy service; used by its own Program and by the CLI, which hosts it in-process.</summary>
public static class PolicyServiceHost
{
    public const int DefaultGrpcPort = 5102;
    public const int DefaultMetricsPort = 9102;

    /// <summary>The rollout ConfigMap watch (<c>ConfigMap</c>, <c>Namespace</c>, …); off while <c>ConfigMap</c> is empty.</summary>
    public const string RolloutSection = PolicyOptions.SectionName + ":Rollout";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        // Added last so that the rollout ConfigMap, while it exists, wins over files, variables and arguments.
        var rollout = new RolloutConfigurationProvider();
        ((IConfigurationBuilder)builder.Configuration).Add(rollout);
        builder.AddServiceDefaults(DefaultGrpcPort, DefaultMetricsPort);
        builder.AddServiceMetrics("policy", PolicyMetrics.Registry);
        builder.Services.AddServiceAuth();
        builder.Services.AddPolicyService();
        builder.Services.AddSingleton(rollout);
        builder.Services.AddConfigMapWatch(RolloutSection, sp => new RolloutConsumer(rollout, sp.GetRequiredService<ILogger<RolloutConsumer>>()));
        builder.Services.AddHealthChecks().AddCheck<ModelLoadedHealthCheck>("policy-model", tags: [HealthTags.Ready]);

        var app = builder.Build();
        app.MapServiceDefaults();
        app.MapGrpcService<PolicyGrpcService>();
        return app;
    }

    public static IServiceCollection AddPolicyService(this IServiceCollection services)
    {
        services.AddValidatedOptions<PolicyOptions>(PolicyOptions.SectionName);
        services.AddSingleton<IValidateOptions<PolicyOptions>>(new BatchingOptionsValidator());
        services.AddSingleton(sp => new SessionFactory(
            sp.GetRequiredService<IOptions<PolicyOptions>>().Value, sp.GetRequiredService<ILogger<SessionFactory>>()));
        services.AddSingleton<ModelLoader>();
        services.AddSingleton<ModelRegistry>();
        services.AddSingleton<PolicyRouter>();
        services.AddHostedService<ModelReloader>();
        return services;
    }

    /// <summary>The nested batching section gets its own key-naming validation.</summary>
    private sealed class BatchingOptionsValidator : IValidateOptions<PolicyOptions>
    {
        private readonly KeyNamingOptionsValidator<BatchingOptions> _inner = new($"{PolicyOptions.SectionName}:Batching");

        public ValidateOptionsResult Validate(string? name, PolicyOptions options) => _inner.Validate(name, options.Batching);
    }
}

/// <summary>Ready once a validated model serves.</summary>
public sealed class ModelLoadedHealthCheck(ModelRegistry registry) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(registry.Current is { } set
            ? HealthCheckResult.Healthy($"serving {set.Primary.Version}")
            : HealthCheckResult.Unhealthy("no policy model loaded"));
}
