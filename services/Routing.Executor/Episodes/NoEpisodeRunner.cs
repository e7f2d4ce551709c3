using Routing.Contracts.Executor.V1;
using Routing.Executor.Pipeline;

namespace Routing.Executor.Episodes;

/// <summary>The product's <see cref="IEpisodeRunner"/>: it knows no tasks to play, so <c>RunTask</c> is refused naming <c>task_id</c>.</summary>
public sealed class NoEpisodeRunner : IEpisodeRunner
{
    public Task RunAsync(string tenant, RunTaskRequest request, Func<RunTaskEvent, Task> emit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        throw new StepFailure(
            StepFailureKind.TaskClosed,
            $"task_id '{request.TaskId}': RunTask plays simulated tasks, and this executor has no simulator (it plugs in from the lab: `routing up`, the benchmarks); agents drive their own tasks with Step",
            "task_id");
    }

    public ulong? SimulatorSeed(AgentCatalog catalog) => null;
}
