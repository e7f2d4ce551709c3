using System.Globalization;
using System.Net;
using Garnet;
using Routing.ServiceDefaults.Hosting;

namespace Routing.EmbeddedRedis;

/// <summary>
/// A Garnet server on loopback with Lua scripting enabled, so the same ledger scripts run as on Redis.
/// State lives in memory only: it is for a first run on a laptop and for tests, not for production.
/// </summary>
public sealed class EmbeddedRedisServer : IDisposable
{
    private readonly GarnetServer _server;

    private EmbeddedRedisServer(GarnetServer server, int port)
    {
        _server = server;
        Port = port;
    }

    public int Port { get; }

    /// <summary>StackExchange.Redis connection string for this server.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <param name="port">0 picks a free loopback port.</param>
    public static EmbeddedRedisServer Start(int port = 0)
    {
        if (port == 0)
        {
            port = FreePort.Pick(IPAddress.Loopback);
        }
        var server = new GarnetServer(
        [
            "--bind", "127.0.0.1",
            "--port", port.ToString(CultureInfo.InvariantCulture),
            "--lua", "true",
            // Small in-memory store: ledgers and auction memory are tiny; the default reserves gigabytes.
            "--memory", "256m",
            "--index", "32m",
        ]);
        server.Start();
        return new EmbeddedRedisServer(server, port);
    }

    public void Dispose() => _server.Dispose();
}
