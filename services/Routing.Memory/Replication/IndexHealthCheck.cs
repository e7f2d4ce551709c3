using Microsoft.Extensions.Diagnostics.HealthChecks;
using Routing.Memory.Index;

namespace Routing.Memory.Replication;

/// <summary>Ready once the index has been loaded from Redis; until then retrieval would miss auctions.</summary>
public sealed class IndexHealthCheck(MemoryIndex index) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(index.IsReady
            ? HealthCheckResult.Healthy($"index at change tick {index.AppliedTick}")
            : HealthCheckResult.Unhealthy("index is loading from Redis"));
}
