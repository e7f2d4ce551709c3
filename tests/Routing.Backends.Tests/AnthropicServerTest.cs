using Routing.Backends.Anthropic;
using Routing.Testing;

namespace Routing.Backends.Tests;

/// <summary>A test class with its own scripted Anthropic server on loopback and an Anthropic agent on the real HTTP stack.</summary>
public abstract class AnthropicServerTest : IAsyncLifetime
{
    internal HttpBackendHarness Harness { get; } = new();

    protected ScriptedAnthropicServer Server { get; private set; } = null!;

    /// <summary>$1 in, $2 out, $0.10 cache read, $1.25 cache write per million tokens.</summary>
    protected AgentDefinition Agent => HttpBackendHarness.Agent(Server.BaseAddress, "claude-test") with
    {
        Api = AgentApi.Anthropic,
        PriceCachedInMicrosPerMTok = 100_000,
        PriceCacheWriteMicrosPerMTok = 1_250_000,
    };

    protected AnthropicChatBackend Backend => Harness.AnthropicBackend(Agent);

    public async Task InitializeAsync() => Server = await ScriptedAnthropicServer.StartAsync();

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Harness.Dispose();
    }
}
