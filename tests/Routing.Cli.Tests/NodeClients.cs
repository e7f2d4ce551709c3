using System.Diagnostics;

namespace Routing.Cli.Tests;

/// <summary>
/// The official SDKs in tests/clients (installed there by <c>npm ci</c>, as .ci/run does) and a way to run their
/// scripts. A developer machine without node or the packages skips those tests with the reason; CI sets
/// <see cref="RequireVariable"/>, so that there they fail instead.
/// </summary>
public static class NodeClients
{
    public const string RequireVariable = "ROUTING_REQUIRE_NODE_CLIENTS";

    /// <summary>tests/clients of this checkout.</summary>
    public static string Directory { get; } = FindDirectory();

    /// <summary>Why the scripts cannot run here, or null when they can.</summary>
    public static string? Missing(string package)
    {
        var problem = !File.Exists(Path.Combine(Directory, "package.json"))
            ? $"tests/clients not found above {AppContext.BaseDirectory}"
            : !System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", package))
                ? $"npm package '{package}' is not installed: run 'npm ci' in tests/clients"
                : FindNode() is null ? "node is not on PATH" : null;
        if (problem is not null && Environment.GetEnvironmentVariable(RequireVariable) == "1")
        {
            throw new InvalidOperationException($"{RequireVariable}=1 but {problem}");
        }
        return problem;
    }

    /// <summary>Runs <c>node script</c> in tests/clients; the exit code and what it printed.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string script, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(FindNode()!, script)
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, await stdout, await stderr + $"\n(killed after {timeout.TotalSeconds:0} s)");
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    private static string? FindNode()
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(folder, "node");
            if (folder.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private static string FindDirectory()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Routing.sln")))
            {
                return Path.Combine(folder.FullName, "tests", "clients");
            }
        }
        return Path.Combine(AppContext.BaseDirectory, "tests", "clients");
    }
}
