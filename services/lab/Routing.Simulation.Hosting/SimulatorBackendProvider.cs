using Routing.Backends;
using Routing.Backends.Pool;
using Routing.Simulation.Server;

namespace Routing.Simulation.Hosting;

/// <summary>Serves every <c>sim:</c> agent of the executor's pool with one in-process simulator backend.</summary>
public sealed class SimulatorBackendProvider(SimulatedBackend simulator) : IAgentBackendProvider
{
    private readonly SimulatorChatBackend _backend = new(simulator);

    public string Scheme => SimulatorEndpoint.Endpoint.Scheme;

    public IChatBackend Create(AgentDefinition agent) => _backend;
}
