using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Routing.Backends;
using Routing.Backends.Pool;
using Routing.Simulation.Server;

namespace Routing.Simulation.Hosting;

/// <summary>The simulator's agents as an agent pool, for <c>routing up</c> and benchmarks.</summary>
public static class SimulatorAgents
{
    /// <summary>
    /// One agent per simulated model with the simulator's prices and output caps; tier = rank by price (cheapest 0),
    /// the simulator's own pool order. <paramref name="endpoint"/> null serves them in-process (<c>sim:</c>); a URL
    /// (<c>http://127.0.0.1:8081/v1</c>) reaches them through <c>routing sim serve</c> instead.
    /// </summary>
    public static List<AgentDefinition> Definitions(SimulatedBackend simulator, Uri? endpoint = null)
    {
        ArgumentNullException.ThrowIfNull(simulator);
        var agents = new List<AgentDefinition>(simulator.Pool.Count);
        for (var i = 0; i < simulator.Pool.Count; i++)
        {
            var a = simulator.Pool[i];
            agents.Add(new AgentDefinition(a.Name, endpoint ?? SimulatorEndpoint.Endpoint, a.Name, a.PriceInMicrosPerMTok, a.PriceOutMicrosPerMTok, i, a.MaxOutputTokens, null));
        }

        return agents;
    }

    /// <summary>A pool of every simulated agent served in-process by <paramref name="simulator"/>.</summary>
    public static ConfiguredAgentPool CreatePool(SimulatedBackend simulator, ILogger<ConfiguredAgentPool>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(simulator);
        var backend = new SimulatorChatBackend(simulator);
        var pool = new ConfiguredAgentPool(
            agent => SimulatorEndpoint.IsSimulator(agent.Endpoint)
                ? backend
                : throw new InvalidOperationException($"Agent '{agent.Name}' is not served by the in-process simulator."),
            logger ?? NullLogger<ConfiguredAgentPool>.Instance);
        var errors = pool.Apply(Definitions(simulator), "the in-process simulator");
        return errors.Count == 0 ? pool : throw new InvalidOperationException(string.Join("; ", errors));
    }

    /// <summary>A pool over a new simulator of <see cref="SimulatorModel.Default"/> with <paramref name="seed"/>.</summary>
    public static ConfiguredAgentPool CreatePool(ulong seed, int maxTasks = 100_000) =>
        CreatePool(new SimulatedBackend(SimulatorModel.Default, seed, maxTasks));
}
