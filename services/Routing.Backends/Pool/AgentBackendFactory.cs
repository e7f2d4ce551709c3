using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Routing.Backends.Anthropic;
using Routing.Backends.OpenAi;
using Routing.Backends.Simulator;
using Routing.Simulation.Server;

namespace Routing.Backends.Pool;

/// <summary>
/// Builds the backend an agent's endpoint names: the in-process simulator for <c>sim:</c>, else the HTTP backend of the
/// agent's API (chat completions, or Anthropic's Messages API).
/// </summary>
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
        if (SimulatorChatBackend.IsSimulator(agent.Endpoint))
        {
            return _simulator.Value;
        }

        var http = httpClients.CreateClient(OpenAiChatBackend.HttpClientName);
        return agent.Api == AgentApi.Anthropic
            ? new AnthropicChatBackend(agent, http, options.Value, loggers.CreateLogger<AnthropicChatBackend>())
            : new OpenAiChatBackend(agent, http, options.Value, loggers.CreateLogger<OpenAiChatBackend>());
    }
}
