using System.Reflection;
using Prometheus;

namespace Routing.ServiceDefaults.Metrics;

/// <summary><c>routing_build_info{version,service} 1</c>: which build serves, for dashboards and rollout checks.</summary>
public static class BuildInfo
{
    /// <summary>The informational version the build stamps (<c>1.2.3+commit</c>), or the assembly version.</summary>
    public static string Version { get; } =
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(BuildInfo).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    public static void Record(IMetricFactory factory, string service)
    {
        ArgumentNullException.ThrowIfNull(factory);
        factory.CreateGauge("routing_build_info", "1 for the build that serves, by version and service.", ["version", "service"])
            .WithLabels(Version, service).Set(1);
    }
}
