using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Prometheus;
using Routing.ServiceDefaults.Options;

namespace Routing.ServiceDefaults.Hosting;

public static class ServiceDefaultsExtensions
{
    /// <summary>gRPC health service name that reports only liveness (the process serves); "" reports readiness.</summary>
    public const string LivenessServiceName = "liveness";

    /// <summary>
    /// Listens for gRPC (HTTP/2) on one port and for metrics and HTTP health on another (HTTP/1), adds gRPC
    /// health and reflection, structured logs and validated options. Call <see cref="MapServiceDefaults"/> next.
    /// </summary>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, int defaultGrpcPort, int defaultMetricsPort)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var endpoint = ResolveEndpoint(builder.Configuration, defaultGrpcPort, defaultMetricsPort);
        builder.Services.AddSingleton(endpoint);

        var address = IPAddress.Parse(endpoint.BindAddress);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(address, endpoint.GrpcPort, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Listen(address, endpoint.MetricsPort, listen => listen.Protocols = HttpProtocols.Http1);
        });

        LoggingSetup.Configure(builder.Logging, builder.Configuration);
        builder.Services.AddGrpc();
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks(o =>
            {
                o.Services.Map("", check => check.Tags.Contains(HealthTags.Ready));
                o.Services.Map(LivenessServiceName, check => check.Tags.Contains(HealthTags.Live));
            })
            // Liveness needs one check that always passes: a service with no checks reports UNKNOWN.
            .AddCheck("self", () => HealthCheckResult.Healthy(), tags: [HealthTags.Live]);
        return builder;
    }

    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var endpoint = app.Services.GetRequiredService<ServiceEndpointOptions>();
        var metricsHost = $"*:{endpoint.MetricsPort}";
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        app.MapMetrics().RequireHost(metricsHost);
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(HealthTags.Live) }).RequireHost(metricsHost);
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(HealthTags.Ready) }).RequireHost(metricsHost);
        return app;
    }

    /// <summary>Ports are needed before the host is built, so they are bound and validated here, not on start.</summary>
    private static ServiceEndpointOptions ResolveEndpoint(IConfiguration configuration, int defaultGrpcPort, int defaultMetricsPort)
    {
        var endpoint = new ServiceEndpointOptions { GrpcPort = defaultGrpcPort, MetricsPort = defaultMetricsPort };
        configuration.GetSection(ServiceEndpointOptions.SectionName).Bind(endpoint);
        var result = new KeyNamingOptionsValidator<ServiceEndpointOptions>(ServiceEndpointOptions.SectionName).Validate(null, endpoint);
        if (result.Failed)
        {
            throw new OptionsValidationException(ServiceEndpointOptions.SectionName, typeof(ServiceEndpointOptions), result.Failures);
        }
        if (!IPAddress.TryParse(endpoint.BindAddress, out var address))
        {
            throw new OptionsValidationException(ServiceEndpointOptions.SectionName, typeof(ServiceEndpointOptions),
                [$"{ServiceEndpointOptions.SectionName}:BindAddress: '{endpoint.BindAddress}' is not an IP address."]);
        }
        if (endpoint.GrpcPort == 0)
        {
            endpoint.GrpcPort = FreePort.Pick(address);
        }
        if (endpoint.MetricsPort == 0)
        {
            endpoint.MetricsPort = FreePort.Pick(address);
        }
        if (endpoint.GrpcPort == endpoint.MetricsPort)
        {
            throw new OptionsValidationException(ServiceEndpointOptions.SectionName, typeof(ServiceEndpointOptions),
                [$"{ServiceEndpointOptions.SectionName}:MetricsPort: must differ from GrpcPort ({endpoint.GrpcPort})."]);
        }
        return endpoint;
    }
}
