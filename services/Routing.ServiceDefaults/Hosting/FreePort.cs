using System.Net;
using System.Net.Sockets;

namespace Routing.ServiceDefaults.Hosting;

/// <summary>
/// A port that was free a moment ago, for servers that cannot bind port 0 and report the port back (the
/// embedded Garnet server, a redis-server child in tests). Our own services bind port 0 directly instead
/// (see <see cref="BoundListeners"/>), which has no race.
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
