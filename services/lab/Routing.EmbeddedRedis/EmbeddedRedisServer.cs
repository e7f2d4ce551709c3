using System.Globalization;
using System.Net;
using Garnet;
using Routing.ServiceDefaults.Hosting;

namespace Routing.EmbeddedRedis;

/// <summary>
/// A Garnet server on loopback that holds ledgers like a Redis would: every Lua script runs as a transaction
/// over the keys it declares in <c>KEYS</c> (Garnet's <c>LuaTransactionMode</c>; without it two clients'
/// scripts interleave and a limit can be granted twice), and the store tiers to disk instead of dropping what
/// falls off its in-memory log (Garnet without <c>--storage-tier</c> is a cache and loses the oldest records
/// silently once the log is full).
/// <para>
/// With a data directory the store is durable: every write is in the append-only file before the client gets
/// its reply (<c>--aof-commit-wait</c>, Redis's <c>appendfsync always</c>), and a restart on the same
/// directory recovers the last checkpoint plus the log. Without one it tiers to a temporary folder that is
/// deleted on dispose: nothing survives the process, but nothing is lost while it runs either.
/// </para>
/// </summary>
public sealed class EmbeddedRedisServer : IDisposable
{
    /// <summary>In-memory part of the log; beyond it records move to the data directory, never away.</summary>
    public const string DefaultMemorySize = "512m";

    private readonly GarnetServer _server;
    private readonly string? _temporaryDirectory;
    private readonly FileStream? _lock;

    private EmbeddedRedisServer(GarnetServer server, int port, string directory, string? temporaryDirectory, FileStream? directoryLock)
    {
        _server = server;
        _lock = directoryLock;
        Port = port;
        DataDirectory = directory;
        _temporaryDirectory = temporaryDirectory;
    }

    public int Port { get; }

    /// <summary>Where the store keeps its log and checkpoints (a temporary folder when not durable).</summary>
    public string DataDirectory { get; }

    /// <summary>Whether the state survives a restart on <see cref="DataDirectory"/>.</summary>
    public bool IsDurable => _temporaryDirectory is null;

    /// <summary>StackExchange.Redis connection string for this server.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>The per-user data directory of <c>routing up</c>: <c>$XDG_DATA_HOME/routing</c>, else <c>~/.local/share/routing</c>.</summary>
    public static string DefaultDataDirectory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        var root = string.IsNullOrWhiteSpace(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share")
            : xdg;
        return Path.Combine(root, "routing");
    }

    /// <param name="port">0 picks a free loopback port.</param>
    /// <param name="dataDirectory">Null keeps the state for this process only.</param>
    /// <param name="memorySize">In-memory part of the store, in Garnet's size format (<c>512m</c>).</param>
    public static EmbeddedRedisServer Start(int port = 0, string? dataDirectory = null, string memorySize = DefaultMemorySize)
    {
        if (port == 0)
        {
            port = FreePort.Pick(IPAddress.Loopback);
        }
        var temporary = dataDirectory is null ? Directory.CreateTempSubdirectory("routing-garnet-").FullName : null;
        var directory = Path.GetFullPath(dataDirectory ?? temporary!);
        FileStream? directoryLock = null;
        // Inside the try: whatever fails after the lock was taken (a folder it cannot create, Garnet) releases it.
        try
        {
            // Two servers recovering and appending to one log would corrupt it: the second start is refused.
            directoryLock = temporary is null ? LockDirectory(directory) : null;
            var server = new GarnetServer([.. Arguments(port, directory, memorySize, durable: temporary is null)]);
            server.Start();
            return new EmbeddedRedisServer(server, port, directory, temporary, directoryLock);
        }
        catch
        {
            directoryLock?.Dispose();
            DeleteTemporary(temporary);
            throw;
        }
    }

    private static List<string> Arguments(int port, string directory, string memorySize, bool durable)
    {
        List<string> arguments =
        [
            "--bind", "127.0.0.1",
            "--port", port.ToString(CultureInfo.InvariantCulture),
            "--lua", "true",
            "--lua-transaction-mode", "true",
            "--memory", memorySize,
            "--index", "64m",
            "--storage-tier", "true",
            "--logdir", Directory.CreateDirectory(Path.Combine(directory, "log")).FullName,
            // .NET file streams: the default native device needs libaio, which a laptop may not have.
            "--device-type", "FileStream",
        ];
        if (durable)
        {
            arguments.AddRange(
            [
                "--checkpointdir", Directory.CreateDirectory(Path.Combine(directory, "checkpoints")).FullName,
                "--aof", "true",
                "--aof-commit-freq", "0",
                "--aof-commit-wait", "true",
                "--recover", "true",
                // A checkpoint now and then bounds the log that a restart replays.
                "--checkpoint-freq", "300",
            ]);
        }
        return arguments;
    }

    /// <summary>
    /// An exclusive lock on <c>routing.lock</c> in the directory (.NET takes <c>FileShare.None</c> as an advisory
    /// <c>flock</c> on Unix), released by the kernel when the process ends, also after <c>kill -9</c>.
    /// </summary>
    private static FileStream LockDirectory(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "routing.lock");
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (HeldByAnotherProcess(e))
        {
            throw new DataDirectoryInUseException($"the data directory '{directory}' is in use by another routing process (it holds {path}); stop it or pass another --data", e);
        }
    }

    /// <summary>
    /// Only the lock being taken is "in use": .NET reports it as a sharing or lock violation on Windows and as the
    /// errno of a refused <c>flock</c> (EWOULDBLOCK) on Unix. Any other failure (a missing folder, a full disk) is
    /// left to surface as what it is.
    /// </summary>
    private static bool HeldByAnotherProcess(IOException e)
    {
        const int SharingViolation = 32, LockViolation = 33;
        if (OperatingSystem.IsWindows())
        {
            return (e.HResult & 0xFFFF) is SharingViolation or LockViolation;
        }
        var wouldBlock = OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD() ? 35 : 11;
        return e.GetType() == typeof(IOException) && e.HResult == wouldBlock;
    }

    public void Dispose()
    {
        _server.Dispose();
        _lock?.Dispose();
        DeleteTemporary(_temporaryDirectory);
    }

    private static void DeleteTemporary(string? directory)
    {
        if (directory is null)
        {
            return;
        }
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
