namespace Routing.Simulation.Server;

/// <summary>Settings of the simulated chat-completions backend.</summary>
public sealed record SimulatorServerOptions
{
    /// <summary>Default seed of the served task set (not a calibration or benchmark seed).</summary>
    public const ulong DefaultSeed = 8_081;

    /// <summary>Seed of the task set: a task id names the same task (and episode) for the same seed.</summary>
    public ulong Seed { get; init; } = DefaultSeed;

    /// <summary>Loopback port; 0 picks a free one (see <see cref="SimulatorServer.Address"/>).</summary>
    public int Port { get; init; }

    /// <summary>Largest request body accepted; larger ones get HTTP 413.</summary>
    public long MaxRequestBodyBytes { get; init; } = 1 << 20;

    /// <summary>Most task episodes kept in memory; a request that would start another gets HTTP 429.</summary>
    public int MaxTasks { get; init; } = 100_000;

    /// <summary>The simulator to serve; <see cref="SimulatorModel.Default"/> when null.</summary>
    public SimulatorModel? Model { get; init; }

    /// <summary>Problems with these settings, each naming its setting; empty when they are valid.</summary>
    public List<string> Validate()
    {
        var problems = new List<string>();
        if (Port is < 0 or > 65_535)
        {
            problems.Add("--port must be between 0 and 65535");
        }

        if (MaxRequestBodyBytes < 1_024)
        {
            problems.Add("--max-body-bytes must be at least 1024");
        }

        if (MaxTasks < 1)
        {
            problems.Add("--max-tasks must be at least 1");
        }

        return problems;
    }
}
