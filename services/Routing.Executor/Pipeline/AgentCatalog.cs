using Routing.Backends;
using Routing.Contracts.Common.V1;

namespace Routing.Executor.Pipeline;

/// <summary>
/// The pool ordered as the step router sees it (tier, then price, then name) and the fallback agent, rebuilt
/// whenever the pool's configuration changes.
/// </summary>
public sealed class AgentCatalog
{
    /// <summary>The policy service accepts at most this many candidates.</summary>
    public const int MaxCandidates = 16;

    private AgentCatalog(AgentPoolSnapshot snapshot, AgentDefinition[] ordered, AgentDefinition? fallback)
    {
        Snapshot = snapshot;
        Ordered = ordered;
        Fallback = fallback;
    }

    public AgentPoolSnapshot Snapshot { get; }

    public IReadOnlyList<AgentDefinition> Ordered { get; }

    /// <summary>Null only when the pool is empty.</summary>
    public AgentDefinition? Fallback { get; }

    public static AgentCatalog Build(AgentPoolSnapshot snapshot, string fallbackName)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var ordered = snapshot.Agents
            .OrderBy(a => a.Tier)
            .ThenBy(a => a.PriceInMicrosPerMTok + a.PriceOutMicrosPerMTok)
            .ThenBy(a => a.Name, StringComparer.Ordinal)
            .ToArray();
        AgentDefinition? fallback = null;
        if (!string.IsNullOrEmpty(fallbackName))
        {
            fallback = Array.Find(ordered, a => a.Name == fallbackName)
                ?? throw new InvalidOperationException($"Routing:Executor:FallbackAgent: '{fallbackName}' is not an agent of the pool (version {snapshot.Version})");
        }
        return new AgentCatalog(snapshot, ordered, fallback ?? ordered.FirstOrDefault());
    }

    public AgentDefinition? Find(string name)
    {
        foreach (var agent in Ordered)
        {
            if (agent.Name == name)
            {
                return agent;
            }
        }
        return null;
    }

    /// <summary>
    /// The agent the policy service chose among the first <paramref name="offered"/> of <see cref="Ordered"/>. An
    /// index outside the offer, or a model that is not the offered candidate's, means the policy answered for another
    /// pool: the step fails naming both, rather than running (and reserving at the tier of) an agent it did not pick.
    /// </summary>
    public AgentDefinition Chosen(int candidateIndex, string model, int offered)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (candidateIndex < 0 || candidateIndex >= Math.Min(offered, Ordered.Count))
        {
            throw new StepFailure(StepFailureKind.BackendBadResponse,
                $"the policy service chose candidate {candidateIndex} ('{model}'), but it was offered {Math.Min(offered, Ordered.Count)} agents of the pool (version {Snapshot.Version})");
        }
        var agent = Ordered[candidateIndex];
        if (model.Length > 0 && model != agent.Name)
        {
            throw new StepFailure(StepFailureKind.BackendBadResponse,
                $"the policy service chose '{model}' as candidate {candidateIndex}, which is agent '{agent.Name}' (tier {agent.Tier}) of the pool (version {Snapshot.Version})");
        }
        return agent;
    }

    /// <summary>The budget and policy services know two tiers: the pool's tier 0 is small, every higher tier large.</summary>
    public static ModelTier TierOf(AgentDefinition agent) =>
        agent is null ? throw new ArgumentNullException(nameof(agent)) : agent.Tier <= 0 ? ModelTier.Small : ModelTier.Large;
}
