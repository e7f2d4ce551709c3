using Routing.Contracts.Executor.V1;
using Routing.Executor.Pipeline;

namespace Routing.Executor.Episodes;

/// <summary>
/// <c>RunTask</c>: plays a task the executor does not know itself (it has no task text, no tools, no judge) to its
/// end through the step pipeline. The product has none (<see cref="NoEpisodeRunner"/>); the lab's simulator
/// registers one for its simulated tasks (<c>routing up</c>, the through-services benchmark, training).
/// </summary>
public interface IEpisodeRunner
{
    /// <summary>Runs the episode, emitting each step and then the finished task; <see cref="StepFailure"/> naming the field when it cannot.</summary>
    Task RunAsync(string tenant, RunTaskRequest request, Func<RunTaskEvent, Task> emit, CancellationToken cancellationToken);

    /// <summary>The seed of the simulated task set <c>ListAgents</c> reports, when the pool has agents the runner serves; else null.</summary>
    ulong? SimulatorSeed(AgentCatalog catalog);
}
