using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Routing.ServiceDefaults.Hosting;

/// <summary>
/// Kestrel's two listeners. Binding port 0 lets the operating system pick a free port atomically (picking one
/// beforehand races with every other process on the machine); Kestrel writes the bound port back into the
/// listener, from where it is copied into <see cref="Options.ServiceEndpointOptions"/> once the server started.
/// </summary>
public sealed class BoundListeners
{
    public ListenOptions? Grpc { get; set; }

    public ListenOptions? Metrics { get; set; }

    public void CopyBoundPortsTo(Options.ServiceEndpointOptions endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (Grpc?.IPEndPoint is { } grpc)
        {
            endpoint.GrpcPort = grpc.Port;
        }
        if (Metrics?.IPEndPoint is { } metrics)
        {
            endpoint.MetricsPort = metrics.Port;
        }
    }
}
