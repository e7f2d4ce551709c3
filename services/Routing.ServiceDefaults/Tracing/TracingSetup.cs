using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Routing.ServiceDefaults.Tracing;

/// <summary>
/// OpenTelemetry tracing of a service: its gRPC and HTTP server spans, its gRPC and HTTP client spans (which carry
/// W3C <c>traceparent</c> to the next service and to model backends) and <see cref="RoutingTelemetry.Source"/>.
/// Off unless an OTLP endpoint is configured through the standard variables, so that a service without a collector
/// pays nothing; the OTLP exporter itself reads the other <c>OTEL_EXPORTER_OTLP_*</c> and <c>OTEL_TRACES_SAMPLER*</c>.
/// </summary>
public static class TracingSetup
{
    /// <summary><c>true</c> traces without an OTLP endpoint (for an in-process exporter), <c>false</c> never traces; unset: on iff an endpoint is set.</summary>
    public const string EnabledKey = "Routing:Tracing:Enabled";

    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string TracesEndpointVariable = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
    public const string ServiceNameVariable = "OTEL_SERVICE_NAME";

    /// <summary>Operational paths every prober hits every few seconds; tracing them would drown the steps.</summary>
    private static readonly string[] UntracedPaths = ["/healthz", "/readyz", "/metrics"];

    private const string GrpcHealthPrefix = "/grpc.health.v1.Health/";

    /// <summary>Adds tracing to the service when <see cref="IsEnabled"/>; the service name is <c>OTEL_SERVICE_NAME</c>, else the application's.</summary>
    public static WebApplicationBuilder AddRoutingTracing(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        if (!IsEnabled(configuration))
        {
            return builder;
        }
        var serviceName = configuration[ServiceNameVariable] is { Length: > 0 } named ? named : ServiceName(builder.Environment.ApplicationName);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing =>
            {
                Instrument(tracing);
                if (OtlpConfigured(configuration))
                {
                    tracing.AddOtlpExporter();
                }
            });
        return builder;
    }

    /// <summary>Whether a host traces: <see cref="EnabledKey"/> when set, else whether an OTLP traces endpoint is.</summary>
    public static bool IsEnabled(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration[EnabledKey];
        if (string.IsNullOrWhiteSpace(value))
        {
            return OtlpConfigured(configuration);
        }
        if (!bool.TryParse(value, out var enabled))
        {
            throw new OptionsValidationException(EnabledKey, typeof(bool), [$"{EnabledKey}: '{value}' is not true or false."]);
        }
        return enabled;
    }

    public static bool OtlpConfigured(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return !string.IsNullOrWhiteSpace(configuration[EndpointVariable]) || !string.IsNullOrWhiteSpace(configuration[TracesEndpointVariable]);
    }

    /// <summary>
    /// What every Routing tracer provider listens to: shared by each service's own provider and by the one provider
    /// of a process that hosts several services (<c>routing up</c>, tests), where one listener per host would record
    /// every span once per host.
    /// </summary>
    public static TracerProviderBuilder Instrument(TracerProviderBuilder tracing)
    {
        ArgumentNullException.ThrowIfNull(tracing);
        return tracing
            .AddSource(RoutingTelemetry.SourceName)
            .AddAspNetCoreInstrumentation(o => o.Filter = IsTraced)
            .AddHttpClientInstrumentation()
            .AddGrpcClientInstrumentation();
    }

    /// <summary>One provider for a process that hosts several services, exporting over OTLP when configured; null when tracing is off.</summary>
    public static TracerProvider? ProcessProvider(IConfiguration configuration, string serviceName)
    {
        if (!IsEnabled(configuration))
        {
            return null;
        }
        var tracing = Instrument(Sdk.CreateTracerProviderBuilder())
            .ConfigureResource(resource => resource.AddService(configuration[ServiceNameVariable] is { Length: > 0 } named ? named : serviceName));
        if (OtlpConfigured(configuration))
        {
            tracing.AddOtlpExporter();
        }
        return tracing.Build();
    }

    /// <summary><c>Routing.Executor</c> → <c>routing-executor</c>, the name the chart's deployments carry.</summary>
    public static string ServiceName(string applicationName) =>
        string.IsNullOrEmpty(applicationName) ? "routing" : applicationName.Replace('.', '-').ToLowerInvariant();

    private static bool IsTraced(HttpContext context)
    {
        var path = context.Request.Path;
        return !UntracedPaths.Contains(path.Value, StringComparer.Ordinal)
            && !path.StartsWithSegments(GrpcHealthPrefix.TrimEnd('/'), StringComparison.Ordinal);
    }
}
