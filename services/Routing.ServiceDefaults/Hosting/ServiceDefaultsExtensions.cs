using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Prometheus;
using Routing.ServiceDefaults.Grpc;
using Routing.ServiceDefaults.Metrics;
using Routing.ServiceDefaults.Options;
using Routing.ServiceDefaults.Tracing;

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

        var listeners = new BoundListeners();
        builder.Services.AddSingleton(listeners);
        var address = IPAddress.Parse(endpoint.BindAddress);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(address, endpoint.GrpcPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listeners.Grpc = listen;
            });
            kestrel.Listen(address, endpoint.MetricsPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                listeners.Metrics = listen;
            });
        });

        LoggingSetup.Configure(builder.Logging, builder.Configuration);
        builder.AddRoutingTracing();
        // A host that does not name its registries (AddServiceMetrics) still gets one of its own.
        builder.Services.TryAddSingleton(new ServiceMetrics(
            builder.Environment.ApplicationName, IncludeProcessMetrics(builder.Configuration), Prometheus.Metrics.NewCustomRegistry()));
        builder.Services.AddSingleton<GrpcClientMetricsInterceptor>();
        // Added before any service's own interceptors, so it is outermost and records the final status code.
        builder.Services.AddGrpc(o => o.Interceptors.Add<GrpcServerMetricsInterceptor>());
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

    /// <summary>
    /// The registries this service's metrics port serves: <paramref name="registries"/> hold the service's own
    /// metrics (the first one also gets the gRPC and build-info metrics); named <paramref name="service"/> in
    /// <c>routing_build_info</c>. Call after <see cref="AddServiceDefaults"/>.
    /// </summary>
    public static WebApplicationBuilder AddServiceMetrics(this WebApplicationBuilder builder, string service, params CollectorRegistry[] registries)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Replace(ServiceDescriptor.Singleton(new ServiceMetrics(service, IncludeProcessMetrics(builder.Configuration), registries)));
        return builder;
    }

    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var endpoint = app.Services.GetRequiredService<ServiceEndpointOptions>();
        var listeners = app.Services.GetRequiredService<BoundListeners>();
        // Port 0 binds a free port; once Kestrel has bound, record the real ports for callers and the CLI.
        app.Lifetime.ApplicationStarted.Register(() => listeners.CopyBoundPortsTo(endpoint));

        // Each port serves only its own paths: metrics and HTTP health on the metrics port, gRPC elsewhere.
        app.Use((context, next) =>
        {
            var onMetricsPort = context.Connection.LocalPort == endpoint.MetricsPort;
            var path = context.Request.Path;
            var operational = path == "/metrics" || path == "/healthz" || path == "/readyz";
            if (onMetricsPort != operational)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }
            return next(context);
        });
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        app.MapGet("/metrics", new RequestDelegate(app.Services.GetRequiredService<ServiceMetrics>().ExportAsync));
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(HealthTags.Live) });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(HealthTags.Ready) });
        return app;
    }

    private static bool IncludeProcessMetrics(IConfiguration configuration) =>
        configuration.GetValue(ServiceMetrics.IncludeProcessMetricsKey, true);

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
        if (!IPAddress.TryParse(endpoint.BindAddress, out _))
        {
            throw new OptionsValidationException(ServiceEndpointOptions.SectionName, typeof(ServiceEndpointOptions),
                [$"{ServiceEndpointOptions.SectionName}:BindAddress: '{endpoint.BindAddress}' is not an IP address."]);
        }
        if (endpoint.GrpcPort != 0 && endpoint.GrpcPort == endpoint.MetricsPort)
        {
            throw new OptionsValidationException(ServiceEndpointOptions.SectionName, typeof(ServiceEndpointOptions),
                [$"{ServiceEndpointOptions.SectionName}:MetricsPort: must differ from GrpcPort ({endpoint.GrpcPort})."]);
        }
        return endpoint;
    }
}
