using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Routing.ServiceDefaults.Hosting;
using Xunit;

namespace Routing.Testing;

/// <summary>
/// A real redis-server child process with AOF on (<c>appendfsync always</c>) in its own folder, which a
/// fault test may kill and start again on the same port and data.
/// </summary>
public sealed class RedisServerProcess : IDisposable
{
    /// <summary>Set in CI: a missing redis-server fails the test instead of skipping it.</summary>
    public const string RequireVariable = "ROUTING_REQUIRE_REDIS_SERVER";

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

    /// <summary>Starts redis-server, or skips the test (fails it in CI) when the machine has none.</summary>
    public static RedisServerProcess StartOrSkip() =>
        StartOrSkip("fault tests need a real server they can kill and restart", []);

    /// <summary>Starts redis-server with extra settings (a cluster node's), or skips the test (fails it in CI) without one.</summary>
    internal static RedisServerProcess StartOrSkip(string why, string[] extraArguments)
    {
        var binary = FindBinaryOrSkip("redis-server", why);
        var directory = Directory.CreateTempSubdirectory("routing-redis-").FullName;
        var server = new RedisServerProcess(binary, directory, FreePort.Pick(IPAddress.Loopback), extraArguments);
        server.Start();
        return server;
    }

    /// <summary>The path of a Redis binary (redis-server, redis-cli) on PATH; skips the test, or fails it in CI, without it.</summary>
    internal static string FindBinaryOrSkip(string name, string why)
    {
        var binary = FindBinary(name);
        if (binary is null)
        {
            var required = Environment.GetEnvironmentVariable(RequireVariable) == "1";
            Assert.False(required, $"{RequireVariable}=1 but {name} is not on PATH");
            Skip.If(true, $"{name} is not installed (apt-get install redis-server); {why}");
        }
        return binary!;
    }

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

    private static string? FindBinary(string name)
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
}
