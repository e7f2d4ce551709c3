namespace Routing.Backends.Pool;

/// <summary>
/// The endpoint <c>sim:</c> a pool file may name for the lab's in-process simulator. Only the name lives here, so that
/// the pool file is validated the same everywhere; the simulator itself plugs in as an <see cref="IAgentBackendProvider"/>.
/// </summary>
public static class SimulatorEndpoint
{
    public static readonly Uri Endpoint = new("sim:");

    /// <summary>True when an agent's endpoint is the in-process simulator.</summary>
    public static bool IsSimulator(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.IsAbsoluteUri && endpoint.Scheme == Endpoint.Scheme;
    }
}
