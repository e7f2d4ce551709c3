using System.ComponentModel.DataAnnotations;
using Routing.Simulation.Server;

namespace Routing.Backends.Pool;

/// <summary>Where the agent pool comes from. Section <c>Routing:AgentPool</c>.</summary>
public sealed class AgentPoolOptions
{
    public const string SectionName = "Routing:AgentPool";

    /// <summary>
    /// The pool file (format in docs/agents.md), mounted from a ConfigMap (key <c>agents.json</c>). Empty: no file;
    /// the pool then comes from <see cref="UseSimulator"/> or from <see cref="ConfiguredAgentPool.Apply(string, string)"/>.
    /// </summary>
    public string File { get; set; } = "/etc/routing/agents/agents.json";

    /// <summary>How often the file's content hash is checked for a new version.</summary>
    [Range(1, 3_600)]
    public int ReloadPollSeconds { get; set; } = 10;

    /// <summary>Without a file: serve every simulated agent in-process (<c>sim:</c>), for <c>routing up</c> and benchmarks.</summary>
    public bool UseSimulator { get; set; }

    /// <summary>Seed of the in-process simulator's task set (as <c>routing sim serve --seed</c>).</summary>
    public ulong SimulatorSeed { get; set; } = SimulatorServerOptions.DefaultSeed;

    /// <summary>Most simulated task episodes kept in memory.</summary>
    [Range(1, 10_000_000)]
    public int SimulatorMaxTasks { get; set; } = 100_000;
}
