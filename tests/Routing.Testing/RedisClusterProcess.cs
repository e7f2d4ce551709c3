using System.Diagnostics;
using System.Globalization;
using System.Net;
using Routing.ServiceDefaults.Hosting;

namespace Routing.Testing;

/// <summary>
/// A three-master Redis Cluster of real redis-server child processes on loopback (no replicas), the way
/// <c>.ci/run</c> starts one, so that a test proves its scripts keep every key on one hash slot on a developer
/// machine too. Skips the test without redis-server and redis-cli (fails it in CI).
/// </summary>
public sealed class RedisClusterProcess : IDisposable
{
    private const string Why = "the Redis Cluster tests start a real three-node cluster";
    private readonly List<RedisServerProcess> _nodes = [];

    private RedisClusterProcess()
    {
    }

    /// <summary>The StackExchange.Redis configuration: every node, comma-separated (the client follows the slots).</summary>
    public string ConnectionString => string.Join(',', _nodes.Select(n => n.ConnectionString));

    public static RedisClusterProcess StartOrSkip()
    {
        var cli = RedisServerProcessSkipping.BinaryOrSkip("redis-cli", Why);
        var cluster = new RedisClusterProcess();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                // The bus port is set apart: the default (port + 10000) may fall outside the port range.
                var busPort = FreePort.Pick(IPAddress.Loopback).ToString(CultureInfo.InvariantCulture);
                cluster._nodes.Add(RedisServerProcess.StartOrSkip(Why,
                    ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-port", busPort, "--appendonly", "no"]));
            }
            Run(cli, ["--cluster", "create", .. cluster._nodes.Select(n => n.ConnectionString), "--cluster-replicas", "0", "--cluster-yes"]);
            foreach (var node in cluster._nodes)
            {
                WaitUntilOk(cli, node.Port);
            }
            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var node in _nodes)
        {
            node.Dispose();
        }
    }

    /// <summary>Waits until the node has learnt every slot's owner (it answers CLUSTERDOWN before).</summary>
    private static void WaitUntilOk(string cli, int port)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!Run(cli, ["-p", port.ToString(CultureInfo.InvariantCulture), "cluster", "info"]).Contains("cluster_state:ok", StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the Redis Cluster node on port {port} did not reach cluster_state:ok within 30 s");
            }
            Thread.Sleep(100);
        }
    }

    private static string Run(string cli, string[] arguments)
    {
        var info = new ProcessStartInfo(cli) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException("redis-cli did not start");
        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-cli {string.Join(' ', arguments)} exited with {process.ExitCode}: {output}{errors.Result}");
        }
        return output;
    }
}
