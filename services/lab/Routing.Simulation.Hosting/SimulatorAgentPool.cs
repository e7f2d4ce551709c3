using Routing.Backends;
using Routing.Backends.Pool;
using Routing.Simulation.Server;

namespace Routing.Simulation.Hosting;

/// <summary>The simulator's agents as the pool served without a file (<c>Routing:AgentPool:UseSimulator</c>).</summary>
public sealed class SimulatorAgentPool(SimulatedBackend simulator) : IInProcessAgentPool
{
    public string Source => "the in-process simulator";

    public IReadOnlyList<AgentDefinition> Agents() => SimulatorAgents.Definitions(simulator);
}
