using Prometheus;

namespace Routing.Backends.Pool;

/// <summary>The agent pool's Prometheus metrics.</summary>
public static class AgentPoolMetrics
{
    /// <summary>Served by the host of the pool (the executor) beside its own registry.</summary>
    public static readonly CollectorRegistry Registry = Metrics.NewCustomRegistry();

    private static readonly IMetricFactory Factory = Metrics.WithCustomRegistry(Registry);

    public static readonly Counter ReloadFailures = Factory.CreateCounter(
        "routing_agent_pool_reload_failures_total", "New agent pool configurations refused (invalid or unreadable); the last good pool stays in use.");

    public static readonly Counter Reloads = Factory.CreateCounter(
        "routing_agent_pool_reloads_total", "New agent pool configurations applied.");

    public static readonly Gauge Agents = Factory.CreateGauge(
        "routing_agent_pool_agents", "Agents in the current pool.");
}
