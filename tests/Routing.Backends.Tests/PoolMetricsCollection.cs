namespace Routing.Backends.Tests;

/// <summary>
/// Tests that read the process-wide pool metrics (<c>routing_agent_pool_reload_failures_total</c>) run one at a
/// time, so that another test's refused pool cannot change the count between a test's before and after.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PoolMetricsCollection
{
    public const string Name = "Agent pool metrics";
}
