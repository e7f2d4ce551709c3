using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Routing.Backends;
using Routing.Backends.OpenAi;

namespace Routing.Executor.Tests;

/// <summary>
/// A fixed pool of real <see cref="OpenAiChatBackend"/> agents (the production HTTP client stack) pointed at a
/// scripted loopback server. It fixes the pool rather than reading a file, so tests control prices exactly.
/// </summary>
public sealed class ScriptedAgentPool(IReadOnlyList<AgentDefinition> agents, IServiceProvider services) : IAgentPool
{
    public AgentPoolSnapshot Current { get; } = new("test-1", agents);

    public IChatBackend BackendFor(AgentDefinition agent) => new OpenAiChatBackend(
        agent,
        services.GetRequiredService<IHttpClientFactory>().CreateClient(OpenAiChatBackend.HttpClientName),
        services.GetRequiredService<IOptions<OpenAiBackendOptions>>().Value,
        services.GetRequiredService<ILogger<OpenAiChatBackend>>());

    public event Action<AgentPoolSnapshot>? Changed
    {
        add { }
        remove { }
    }
}
