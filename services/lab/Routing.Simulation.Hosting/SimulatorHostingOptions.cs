using System.ComponentModel.DataAnnotations;
using Routing.Backends.Pool;
using Routing.Simulation.Server;

namespace Routing.Simulation.Hosting;

/// <summary>
/// The in-process simulator's keys, in the agent pool's section (<c>Routing:AgentPool</c>) where <c>routing up</c>
/// and the benchmarks have always set them; the product's <see cref="AgentPoolOptions"/> does not know them.
/// </summary>
public sealed class SimulatorHostingOptions
{
    /// <summary>Seed of the in-process simulator's task set (as <c>routing sim serve --seed</c>).</summary>
    public ulong SimulatorSeed { get; set; } = SimulatorServerOptions.DefaultSeed;

    /// <summary>Most simulated task episodes kept in memory.</summary>
    [Range(1, 10_000_000)]
    public int SimulatorMaxTasks { get; set; } = 100_000;
}
