using Routing.Simulation.Sampling;

namespace Routing.Simulation.Tasks;

/// <summary>
/// Draws tasks deterministically: the n-th task of a (seed, domain, bin) stream is always the same, so
/// benchmark, calibration and training sets are reproducible and can be kept disjoint by seed.
/// </summary>
public sealed class TaskGenerator
{
    private readonly SimulatorModel _model;
    private readonly ulong _seed;

    public TaskGenerator(SimulatorModel model, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _seed = seed;
    }

    /// <summary>The <paramref name="i"/>-th task of a cell-major task set (<see cref="TaskSpace.CellMajor"/>).</summary>
    public SimTask CreateCellMajor(long i, int tasksPerCell)
    {
        var (domain, bin, index) = TaskSpace.CellMajor(i, tasksPerCell);
        return Create(domain, bin, index);
    }

    /// <summary>The <paramref name="index"/>-th task of the given domain and bin.</summary>
    public SimTask Create(Domain domain, int bin, long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bin);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(bin, TaskSpace.BinCount);
        var d = _model.Domain(domain);
        var taskSeed = Xoshiro256.Mix(Xoshiro256.Mix(_seed, (ulong)((int)domain * TaskSpace.BinCount + bin)), (ulong)index);
        var rng = new Xoshiro256(taskSeed);
        var difficulty = d.BinDifficulty[bin] + (_model.Dynamics.DifficultySpread * rng.NextGaussian());
        var min = d.RequiredStepsMin[bin];
        var required = min + rng.NextInt(d.RequiredStepsMax[bin] - min + 1);
        // Task statements vary in length; harder work tends to come with longer statements, loosely.
        var prompt = (int)(d.PromptTokens * Math.Exp((0.25 * rng.NextGaussian()) + (0.05 * bin)));
        // The id is derived from the seed, not from the bin, so it carries no hint of the task's complexity.
        var id = (long)(taskSeed >> 1);
        return new SimTask(id, domain, bin, d.Horizon, prompt, rng.NextUInt64(), difficulty, required);
    }
}
