using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Routing.ServiceDefaults.Hosting;

/// <summary>
/// A real redis-server child process with AOF on (<c>appendfsync always</c>) in its own folder, which a fault test
/// or the chaos benchmark may kill and start again on the same port and data.
/// </summary>
public sealed class RedisServerProcess : IDisposable
{
    private readonly string _directory;
    private readonly string[] _extraArguments;
    private Process? _process;

    private RedisServerProcess(string binary, string directory, int port, string[] extraArguments)
    {
        Binary = binary;
        _directory = directory;
        Port = port;
        _extraArguments = extraArguments;
    }

    public string Binary { get; }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>Starts redis-server from <paramref name="binary"/> in a new temporary folder.</summary>
    /// <param name="port">0 picks a free port.</param>
    /// <param name="extraArguments">further redis-server settings, e.g. a cluster node's.</param>
    public static RedisServerProcess Start(string binary, int port = 0, string[]? extraArguments = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(binary);
        var directory = Directory.CreateTempSubdirectory("routing-redis-").FullName;
        var server = new RedisServerProcess(
            binary, directory, port == 0 ? FreePort.Pick(IPAddress.Loopback) : port, extraArguments ?? []);
        server.Start();
        return server;
    }

    /// <summary>A Redis binary (redis-server, redis-cli) on PATH, or null when the machine has none.</summary>
    public static string? FindBinary(string name = "redis-server")
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(folder, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>Starts (or starts again, on the same port and data) and waits until it accepts connections.</summary>
    public void Start()
    {
        var info = new ProcessStartInfo(Binary)
        {
            WorkingDirectory = _directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] arguments =
        [
            "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", _directory,
            "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--protected-mode", "no",
            .. _extraArguments,
        ];
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        _process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start");
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        WaitUntilAccepting(TimeSpan.FromSeconds(10));
    }

    /// <summary>SIGKILL: no graceful shutdown, so only what AOF already fsynced survives.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process?.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        Kill();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    private void WaitUntilAccepting(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        throw new TimeoutException($"redis-server did not accept connections on port {Port} within {timeout}");
    }
}
