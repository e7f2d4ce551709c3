using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Routing.Backends.Anthropic;
using Routing.Backends.OpenAi;

namespace Routing.Backends.Pool;

/// <summary>
/// Builds the backend an agent's endpoint names: the registered <see cref="IAgentBackendProvider"/> of its scheme
/// (the lab's simulator for <c>sim:</c>), else the HTTP backend of the agent's API (chat completions, or Anthropic's
/// Messages API).
/// </summary>
public sealed class AgentBackendFactory(
    IHttpClientFactory httpClients,
    IOptions<OpenAiBackendOptions> options,
    ILoggerFactory loggers,
    IEnumerable<IAgentBackendProvider> providers)
{
    private readonly Dictionary<string, IAgentBackendProvider> _providers = providers.ToDictionary(p => p.Scheme, StringComparer.OrdinalIgnoreCase);

    public IChatBackend Create(AgentDefinition agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        if (_providers.TryGetValue(Scheme(agent.Endpoint), out var provider))
        {
            return provider.Create(agent);
        }
        if (Problem(agent) is { } problem)
        {
            throw new BackendException(BackendFailure.Rejected, problem, mayHaveBeenBilled: false);
        }

        var http = httpClients.CreateClient(OpenAiChatBackend.HttpClientName);
        return agent.Api == AgentApi.Anthropic
            ? new AnthropicChatBackend(agent, http, options.Value, loggers.CreateLogger<AnthropicChatBackend>())
            : new OpenAiChatBackend(agent, http, options.Value, loggers.CreateLogger<OpenAiChatBackend>());
    }

    /// <summary>
    /// Why this factory cannot serve <paramref name="agent"/>, or null: a pool file may name <c>sim:</c> (it is
    /// validated the same everywhere), but only a host that plugs the simulator in serves it, so the pool is refused
    /// at load rather than failing every step.
    /// </summary>
    public string? Problem(AgentDefinition agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var scheme = Scheme(agent.Endpoint);
        return _providers.ContainsKey(scheme) || scheme == Uri.UriSchemeHttp || scheme == Uri.UriSchemeHttps
            ? null
            : $"agent '{agent.Name}': endpoint '{agent.Endpoint.OriginalString}' needs an in-process backend this executor does not have (the simulator plugs in from the lab: routing up); use an http(s) endpoint";
    }

    private static string Scheme(Uri endpoint) => endpoint.IsAbsoluteUri ? endpoint.Scheme : "";
}
