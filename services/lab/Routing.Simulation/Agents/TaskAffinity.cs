using Routing.Simulation.Sampling;
using Routing.Simulation.Tasks;

namespace Routing.Simulation.Agents;

/// <summary>
/// The hidden task–agent affinity: how well one agent happens to suit one task, beyond its capability and the
/// task's difficulty (a familiar library, a search phrasing its training favours). Drawn N(0, spread²) from the
/// task's seed and the agent's name, so the same agent has the same affinity on a task in any pool, at any
/// position, on every attempt; different agents' affinities are independent, which is what lets them fail on
/// different tasks.
/// </summary>
internal static class TaskAffinity
{
    private const ulong Salt = 0xA1F1_4E7Bu;

    /// <summary>64-bit FNV-1a of the name's UTF-16 code units: stable across runs and runtimes, unlike string.GetHashCode.</summary>
    public static ulong Key(string agentName)
    {
        var hash = 14695981039346656037UL;
        foreach (var ch in agentName)
        {
            hash = (hash ^ ch) * 1099511628211UL;
        }

        return hash;
    }

    /// <summary>The affinity (logits) of <paramref name="agent"/> on <paramref name="task"/>; allocation-free.</summary>
    public static double Of(in SimTask task, AgentProfile agent, double spread)
    {
        if (spread == 0)
        {
            return 0;
        }

        var rng = new Xoshiro256(Xoshiro256.Mix(Xoshiro256.Mix(task.Seed, Salt), agent.AffinityKey));
        return spread * rng.NextGaussian();
    }
}
