using Routing.Contracts.Executor.V1;
using Routing.Executor.Pipeline;

namespace Routing.Executor.Grpc;

/// <summary>The pool as <c>ListAgents</c> answers it (prices, never credentials).</summary>
public static class AgentListing
{
    /// <param name="simulatorSeed">The in-process simulator's seed, when the pool has agents it serves.</param>
    /// <param name="tenant">The caller's tenant.</param>
    public static ListAgentsResponse Of(AgentCatalog catalog, ulong? simulatorSeed, string tenant)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var response = new ListAgentsResponse { PoolVersion = catalog.Snapshot.Version, FallbackAgent = catalog.Fallback?.Name ?? "", Tenant = tenant };
        if (simulatorSeed is { } seed)
        {
            response.SimulatorSeed = seed;
        }
        foreach (var agent in catalog.Ordered)
        {
            response.Agents.Add(new Agent
            {
                Name = agent.Name,
                Model = agent.Model,
                Tier = AgentCatalog.TierOf(agent),
                TierRank = agent.Tier,
                PriceInMicrosPerMtok = agent.PriceInMicrosPerMTok,
                PriceOutMicrosPerMtok = agent.PriceOutMicrosPerMTok,
                MaxOutputTokens = agent.MaxOutputTokens,
            });
        }
        return response;
    }
}
