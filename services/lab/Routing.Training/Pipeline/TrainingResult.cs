using Routing.Training.Boundary;
using Routing.Training.Network;

namespace Routing.Training.Pipeline;

/// <summary>One trained policy and how it did on the validation tasks (simulator figures).</summary>
public sealed record TrainedPolicy(string Name, string Description, MlpParameters Parameters, EvaluationFigures Validation, IReadOnlyList<double> RewardPerIteration);

/// <summary>
/// Everything a training run produced. <paramref name="DataSource"/> describes training data that did not come from
/// in-process boundary rollouts (an episode log); such runs have no simulator validation (figures of 0 episodes).
/// <paramref name="BoundarySource"/> says where the boundary rollouts and SFT sweep episodes of a simulator run were played
/// when not in-process (through an executor); BoPO and validation of such a run are in-process.
/// <paramref name="AuctionSource"/> describes the auctions whose outcomes the features showed, when there were any.
/// </summary>
public sealed record TrainingResult(
    TrainingConfig Config,
    IReadOnlyList<BoundaryRecord> Boundary,
    IReadOnlyList<int> ClassCounts,
    int SftSamples,
    double SftFinalLoss,
    EvaluationFigures ValidationAlwaysSmall,
    EvaluationFigures ValidationAlwaysLarge,
    IReadOnlyList<TrainedPolicy> Policies,
    TimeSpan Elapsed,
    string? DataSource = null,
    string? BoundarySource = null,
    string? AuctionSource = null);
