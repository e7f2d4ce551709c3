using Routing.Training.Boundary;
using Routing.Training.Network;

namespace Routing.Training.Pipeline;

/// <summary>One trained policy and how it did on the validation tasks (simulator figures).</summary>
public sealed record TrainedPolicy(string Name, string Description, MlpParameters Parameters, EvaluationFigures Validation, IReadOnlyList<double> RewardPerIteration);

/// <summary>Everything a training run produced.</summary>
public sealed record TrainingResult(
    TrainingConfig Config,
    IReadOnlyList<BoundaryRecord> Boundary,
    IReadOnlyList<int> ClassCounts,
    int SftSamples,
    double SftFinalLoss,
    EvaluationFigures ValidationAlwaysSmall,
    EvaluationFigures ValidationAlwaysLarge,
    IReadOnlyList<TrainedPolicy> Policies,
    TimeSpan Elapsed);
