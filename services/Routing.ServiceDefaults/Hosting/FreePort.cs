using System.Net;
using System.Net.Sockets;

namespace Routing.ServiceDefaults.Hosting;

/// <summary>
/// Resolves port 0 to a concrete free port before Kestrel starts, so that the metrics endpoints can be
/// pinned to their port and the CLI can print where each service listens.
/// </summary>
public static class FreePort
{
    public static int Pick(IPAddress address)
    {
        using var listener = new TcpListener(address, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
