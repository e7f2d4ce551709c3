using Microsoft.AspNetCore.Http;
using Prometheus;

namespace Routing.ServiceDefaults.Metrics;

/// <summary>
/// What one service's metrics port serves: the service's own registries (first: where ServiceDefaults adds the
/// gRPC and build-info metrics), then, where <see cref="IncludeProcessMetrics"/> holds, prometheus-net's default
/// registry with the process, .NET runtime and ASP.NET Core meter metrics. <c>routing up</c> hosts four services
/// in one process: each port serves only its service's series, and the process ones only on one port, so a
/// scrape of every port counts nothing twice.
/// </summary>
public sealed class ServiceMetrics
{
    /// <summary>Configuration key: false leaves the process metrics to another service of the same process.</summary>
    public const string IncludeProcessMetricsKey = "Routing:Metrics:IncludeProcessMetrics";

    private readonly CollectorRegistry[] _registries;

    public ServiceMetrics(string service, bool includeProcessMetrics, params CollectorRegistry[] registries)
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        ArgumentNullException.ThrowIfNull(registries);
        if (registries.Length == 0)
        {
            throw new ArgumentException("a service needs at least one registry", nameof(registries));
        }
        Service = service;
        IncludeProcessMetrics = includeProcessMetrics;
        _registries = registries;
        Factory = Prometheus.Metrics.WithCustomRegistry(registries[0]);
        BuildInfo.Record(Factory, service);
    }

    public string Service { get; }

    public bool IncludeProcessMetrics { get; }

    /// <summary>Creates metrics in the service's first registry (the gRPC interceptors' histograms and counters).</summary>
    public IMetricFactory Factory { get; }

    /// <summary>Writes every registry in the Prometheus text format (one response; family names never repeat across them).</summary>
    public async Task ExportAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        var body = context.Response.Body;
        foreach (var registry in _registries)
        {
            await registry.CollectAndExportAsTextAsync(body, context.RequestAborted);
        }
        if (IncludeProcessMetrics)
        {
            await Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(body, context.RequestAborted);
        }
    }
}
