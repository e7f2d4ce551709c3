using System.ComponentModel.DataAnnotations;
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

    /// <summary>
    /// Without a file: serve the agents of the in-process pool the host registers (<see cref="IInProcessAgentPool"/>:
    /// the lab's simulator, <c>sim:</c>, for <c>routing up</c> and benchmarks). A production executor registers none
    /// and refuses to start with this set. The simulator's own keys (seed, task cap) are the lab's.
    /// </summary>
    public bool UseSimulator { get; set; }
}
