using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Routing.Backends.OpenAi;
using Routing.Backends.Simulator;
using Routing.Simulation.Server;

namespace Routing.Backends.Pool;

/// <summary>Builds the backend an agent's endpoint names: the in-process simulator for <c>sim:</c>, else the HTTP backend.</summary>
public sealed class AgentBackendFactory(
    IHttpClientFactory httpClients,
    IOptions<OpenAiBackendOptions> options,
    ILoggerFactory loggers,
    Lazy<SimulatedBackend> simulator)
{
    private readonly Lazy<SimulatorChatBackend> _simulator = new(() => new SimulatorChatBackend(simulator.Value));

    public IChatBackend Create(AgentDefinition agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return SimulatorChatBackend.IsSimulator(agent.Endpoint)
            ? _simulator.Value
            : new OpenAiChatBackend(agent, httpClients.CreateClient(OpenAiChatBackend.HttpClientName), options.Value, loggers.CreateLogger<OpenAiChatBackend>());
    }
}
