namespace Routing.Simulation.Agents;

/// <summary>
/// An ordered set of agents a router chooses among, cheapest first, so index 0 is "small" and the last
/// index is "large" for every strategy that thinks in those terms.
/// </summary>
public sealed class AgentPool
{
    /// <summary>The Qwen3 4B/8B/14B/32B-like pool used by SALE.</summary>
    public const string SalePoolName = "sale";

    /// <summary>The GPT-4.1-mini / GPT-4.1-like pair used by step routing (BoPO).</summary>
    public const string StepPairName = "step";

    private readonly AgentProfile[] _agents;

    internal AgentPool(string name, AgentProfile[] agents)
    {
        Name = name;
        _agents = agents;
    }

    public string Name { get; }

    public int Count => _agents.Length;

    public AgentProfile this[int index] => _agents[index];

    /// <summary>Index of the cheapest agent.</summary>
    public int Smallest => 0;

    /// <summary>Index of the most expensive agent.</summary>
    public int Largest => _agents.Length - 1;

    public int IndexOf(string agentName)
    {
        for (var i = 0; i < _agents.Length; i++)
        {
            if (_agents[i].Name == agentName)
            {
                return i;
            }
        }

        throw new ArgumentException($"Agent '{agentName}' is not in pool '{Name}'.", nameof(agentName));
    }
}
