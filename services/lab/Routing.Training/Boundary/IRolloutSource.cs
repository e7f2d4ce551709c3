using Routing.Simulation.Tasks;
using Routing.Training.Sft;

namespace Routing.Training.Boundary;

/// <summary>A training task and its index in its (domain, bin) cell: with the task seed they name it (<c>coding-3-17</c>).</summary>
public readonly record struct TrainingTask(SimTask Task, long Index);

/// <summary>
/// Rollouts played somewhere other than this process (through the executor's RunTask): the boundary rollouts
/// (always-small and always-large on attempts 0..K−1 of every training task, the replays <see cref="BoundaryRollouts.Run"/>
/// plays) and the episodes of the SFT sweep (the mixed policy of <see cref="Rollouts.MixedRouter"/>).
/// </summary>
public interface IRolloutSource
{
    /// <summary>Where the rollouts run, for the output and the manifest's provenance.</summary>
    string Description { get; }

    /// <summary>Episodes it plays at once (the SFT sweep runs this many tasks in parallel).</summary>
    int Concurrency { get; }

    /// <summary>One record per task, in task order; <paramref name="taskDone"/> once per finished task (any thread).</summary>
    BoundaryRecord[] Run(IReadOnlyList<TrainingTask> tasks, int attempts, double threshold, Action? taskDone, CancellationToken cancellationToken);

    /// <summary>One episode of the SFT sweep's level <paramref name="level"/>: the mixed policy with this P(large) and seed, on this attempt.</summary>
    SweepOutcome PlayMixed(TrainingTask task, int level, double largeProbability, ulong seed, int attempt, CancellationToken cancellationToken);
}
