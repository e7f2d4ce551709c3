using Routing.Training.Bopo;

namespace Routing.Training.Pipeline;

/// <summary>Where the pipeline reports progress (the CLI draws progress bars; tests pass nothing).</summary>
public interface ITrainingReporter
{
    /// <summary>A stage begins with <paramref name="total"/> units of work.</summary>
    void BeginStage(string name, int total);

    /// <summary>One unit of the current stage is done (may be called from worker threads).</summary>
    void Advance();

    void Iteration(IterationStats stats);

    void Message(string text);
}
