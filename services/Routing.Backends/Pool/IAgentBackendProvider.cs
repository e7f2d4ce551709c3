namespace Routing.Backends.Pool;

/// <summary>
/// A backend for agents whose endpoint has the URL scheme <see cref="Scheme"/>, served in-process by a component the
/// host registers in DI (the lab's simulator serves <c>sim:</c>). The product ships none: it reaches agents over
/// HTTP(S), so a pool that names another scheme needs a host that registers a provider for it.
/// </summary>
public interface IAgentBackendProvider
{
    /// <summary>The endpoint scheme this provider serves, without the colon (<c>sim</c>).</summary>
    string Scheme { get; }

    IChatBackend Create(AgentDefinition agent);
}
