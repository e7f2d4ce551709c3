namespace Routing.Training.Rollouts;

/// <summary>Binary action classes of the step pair, in the network's output order.</summary>
public static class PolicyAction
{
    public const int Small = 0;
    public const int Large = 1;

    public static IReadOnlyList<string> Classes { get; } = ["small", "large"];
}

/// <summary>
/// One decision of a recorded episode: the v1 feature vector, the action taken (<see cref="PolicyAction"/>)
/// and, for policy rollouts, the behaviour policy's log-probability of it.
/// </summary>
public sealed class StepSample(float[] features, int action, float behaviourLogProbability)
{
    public float[] Features { get; } = features;

    public int Action { get; } = action;

    public float BehaviourLogProbability { get; } = behaviourLogProbability;

    /// <summary>Loss weight (SFT stratification) or advantage (BoPO); set by the stage that uses the sample.</summary>
    public float Weight { get; set; } = 1f;

    /// <summary>The SFT policy's probabilities at this state, for the KL penalty (null without a reference).</summary>
    public float[]? ReferenceProbabilities { get; set; }
}
