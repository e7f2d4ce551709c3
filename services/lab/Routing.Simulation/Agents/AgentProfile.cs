using Routing.Simulation.Parameters;
using Routing.Simulation.Tasks;

namespace Routing.Simulation.Agents;

/// <summary>A simulated agent in the dense form the episode loop reads (no dictionaries on the hot path).</summary>
public sealed class AgentProfile
{
    private readonly double[] _skill;
    private readonly double[] _gap;

    /// <param name="p">The agent's parameters.</param>
    /// <param name="referenceCapability">Per domain index, the capability step-gap scaling is measured from.</param>
    internal AgentProfile(AgentParameters p, double[] referenceCapability)
    {
        Name = p.Name;
        PriceInMicrosPerMTok = p.PriceInMicrosPerMTok;
        PriceOutMicrosPerMTok = p.PriceOutMicrosPerMTok;
        MeanOutputTokens = p.MeanOutputTokens;
        MaxOutputTokens = p.MaxOutputTokens;
        ConfidenceBias = p.ConfidenceBias;
        AffinityKey = TaskAffinity.Key(p.Name);
        _skill = new double[TaskSpace.DomainCount * TaskSpace.BinCount];
        _gap = new double[TaskSpace.DomainCount];
        for (var d = 0; d < TaskSpace.DomainCount; d++)
        {
            var domainName = TaskSpace.Name((Domain)d);
            var capability = p.Capability.TryGetValue(domainName, out var c) ? c : 0.0;
            _gap[d] = capability - referenceCapability[d];
            p.BinAdjustment.TryGetValue(domainName, out var adjust);
            for (var b = 0; b < TaskSpace.BinCount; b++)
            {
                _skill[(d * TaskSpace.BinCount) + b] = capability + (adjust is null ? 0.0 : adjust[b]);
            }
        }
    }

    public string Name { get; }

    public long PriceInMicrosPerMTok { get; }

    public long PriceOutMicrosPerMTok { get; }

    public int MeanOutputTokens { get; }

    public int MaxOutputTokens { get; }

    internal double ConfidenceBias { get; }

    /// <summary>Cost of one call in micro-dollars, rounded up so that budgets never under-count.</summary>
    public long CostMicros(long inputTokens, long outputTokens)
    {
        var scaled = (inputTokens * PriceInMicrosPerMTok) + (outputTokens * PriceOutMicrosPerMTok);
        return (scaled + 999_999) / 1_000_000;
    }

    /// <summary>The most a call with this context can cost (output at its cap): what budget masking must assume.</summary>
    public long WorstCaseCostMicros(long contextTokens) => CostMicros(contextTokens, MaxOutputTokens);

    /// <summary>Capability on a (domain, bin) in logits: structural capability plus fitted bin adjustment.</summary>
    internal double Skill(Domain domain, int bin) => _skill[((int)domain * TaskSpace.BinCount) + bin];

    /// <summary>Structural capability minus the domain's reference: the part pivotal steps amplify and routine steps shrink.</summary>
    internal double Gap(Domain domain) => _gap[(int)domain];

    /// <summary>Stable key of the agent's task affinities (a hash of its name, so independent of pool and order).</summary>
    internal ulong AffinityKey { get; }
}
