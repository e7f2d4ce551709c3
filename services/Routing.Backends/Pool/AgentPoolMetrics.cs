using Prometheus;

namespace Routing.Backends.Pool;

/// <summary>The agent pool's Prometheus metrics.</summary>
public static class AgentPoolMetrics
{
    public static readonly Counter ReloadFailures = Metrics.CreateCounter(
        "routing_agent_pool_reload_failures_total", "New agent pool configurations refused (invalid or unreadable); the last good pool stays in use.");

    public static readonly Counter Reloads = Metrics.CreateCounter(
        "routing_agent_pool_reloads_total", "New agent pool configurations applied.");

    public static readonly Gauge Agents = Metrics.CreateGauge(
        "routing_agent_pool_agents", "Agents in the current pool.");
}
