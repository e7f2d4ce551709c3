using System.Diagnostics;
using Routing.ServiceDefaults.Auth;

namespace Routing.Cli.Bench.Chaos;

/// <summary>
/// <c>routing up</c> as a child process of this one (the same Routing.Cli build), which the chaos benchmark kills
/// with SIGKILL and starts again. Each start picks free ports; its READY line says which.
/// </summary>
public sealed class RoutingUpProcess : IDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(120);

    private readonly Process _process;

    private RoutingUpProcess(Process process, IReadOnlyDictionary<string, string> endpoints)
    {
        _process = process;
        Endpoints = endpoints;
    }

    /// <summary>What the READY line names: <c>budget</c>, <c>executor</c>, <c>openai</c> (…/v1) and the others.</summary>
    public IReadOnlyDictionary<string, string> Endpoints { get; }

    public string OpenAiAddress => Endpoints["openai"];

    public string BudgetAddress => Endpoints["budget"];

    /// <summary>This run's service token (<c>tokens=</c> on the READY line: the directory it is in); each start has new ones.</summary>
    public string ServiceToken => File.ReadAllText(Path.Combine(Endpoints["tokens"], TokenSet.ServiceTokenFile)).Trim();

    /// <summary>Starts <c>routing up --redis … --agents … --any-ports</c> and waits for its READY line.</summary>
    public static async Task<RoutingUpProcess> StartAsync(string redis, string agentsFile, CancellationToken cancellationToken)
    {
        var (host, prefix) = CliCommandLine();
        var info = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in prefix.Concat(["up", "--redis", redis, "--agents", agentsFile, "--any-ports", "--bind", "127.0.0.1"]))
        {
            info.ArgumentList.Add(argument);
        }
        // Plain output: the READY line must not be wrapped or coloured.
        info.Environment["NO_COLOR"] = "1";
        info.Environment["Routing__Logging__Format"] = "none";
        var process = Process.Start(info) ?? throw new InvalidOperationException("routing up did not start");
        var lastLines = new Queue<string>();
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (lastLines)
            {
                lastLines.Enqueue(line);
                if (lastLines.Count > 20)
                {
                    lastLines.Dequeue();
                }
            }
            if (line.StartsWith("READY ", StringComparison.Ordinal))
            {
                ready.TrySetResult(line);
            }
        }
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReadyTimeout);
        var exited = process.WaitForExitAsync(timeout.Token);
        var first = await Task.WhenAny(ready.Task, exited);
        if (first != ready.Task)
        {
            var why = process.HasExited ? $"exited with {process.ExitCode}" : $"printed no READY line within {ReadyTimeout.TotalSeconds:F0} s";
            if (!process.HasExited)
            {
                process.Kill();
            }
            string tail;
            lock (lastLines)
            {
                tail = string.Join(Environment.NewLine, lastLines);
            }
            process.Dispose();
            throw new InvalidOperationException($"routing up {why}:{Environment.NewLine}{tail}");
        }
        var endpoints = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (await ready.Task)["READY ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                endpoints[pair[..equals]] = pair[(equals + 1)..];
            }
        }
        return new RoutingUpProcess(process, endpoints);
    }

    /// <summary>SIGKILL: the whole stack dies at once, mid-step, with nothing flushed.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    /// <summary>
    /// How to run this Routing.Cli build again: its apphost or <c>dotnet Routing.Cli.dll</c> when this process is
    /// <c>dotnet</c> or a test host (DOTNET_HOST_PATH names the dotnet that runs it).
    /// </summary>
    private static (string Host, string[] Prefix) CliCommandLine()
    {
        var dll = typeof(RoutingUpProcess).Assembly.Location;
        var self = Environment.ProcessPath ?? "";
        if (Path.GetFileNameWithoutExtension(dll) == Path.GetFileNameWithoutExtension(self))
        {
            return (self, []);
        }
        var dotnet = Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        return (dotnet, [dll]);
    }
}
