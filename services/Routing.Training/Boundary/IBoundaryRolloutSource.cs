using Routing.Simulation.Tasks;

namespace Routing.Training.Boundary;

/// <summary>A training task and its index in its (domain, bin) cell: with the task seed they name it (<c>coding-3-17</c>).</summary>
public readonly record struct TrainingTask(SimTask Task, long Index);

/// <summary>
/// Boundary rollouts played somewhere other than this process (through the executor's RunTask): always-small and
/// always-large on attempts 0..K−1 of every training task, the same replays <see cref="BoundaryRollouts.Run"/> plays.
/// </summary>
public interface IBoundaryRolloutSource
{
    /// <summary>Where the rollouts ran, for the output and the manifest's provenance.</summary>
    string Description { get; }

    /// <summary>One record per task, in task order; <paramref name="taskDone"/> once per finished task (any thread).</summary>
    BoundaryRecord[] Run(IReadOnlyList<TrainingTask> tasks, int attempts, double threshold, Action? taskDone, CancellationToken cancellationToken);
}
