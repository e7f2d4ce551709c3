namespace Routing.Features;

/// <summary>The previous action of the episode, as far as the step features see it.</summary>
public enum PreviousAction
{
    None = 0,
    Small = 1,
    Large = 2,
}

/// <summary>The SALE auction that assigned the task, when there was one.</summary>
/// <param name="WinnerRank">0 for the cheapest agent of the pool, <c>PoolSize - 1</c> for the dearest.</param>
/// <param name="PoolSize">Agents that bid (≥ 1).</param>
/// <param name="Margin">The winner's lead in C − V over the runner-up (≥ 0; 0 when it was the only bid).</param>
public readonly record struct AuctionOutcome(int WinnerRank, int PoolSize, double Margin);

/// <summary>
/// The raw numeric state of an episode at a decision point, before normalisation. The executor fills it from
/// its episode log; <see cref="FeatureSchemaV1.Extract"/> turns it into the schema's vector.
/// </summary>
public readonly record struct StepState
{
    /// <summary>The task's hard limit in micro-dollars (0 when the task has none).</summary>
    public long LimitMicros { get; init; }

    /// <summary>Committed spend so far.</summary>
    public long SpentMicros { get; init; }

    /// <summary>Limit minus spend minus live reservations.</summary>
    public long RemainingMicros { get; init; }

    /// <summary>0-based index of the step being decided.</summary>
    public int StepIndex { get; init; }

    /// <summary>The episode's step limit (≥ 1).</summary>
    public int Horizon { get; init; }

    /// <summary>Tokens the next call will carry as context.</summary>
    public int ContextTokens { get; init; }

    public PreviousAction LastAction { get; init; }

    /// <summary>The action before <see cref="LastAction"/>.</summary>
    public PreviousAction ActionBeforeLast { get; init; }

    /// <summary>Large-model calls already made in this episode.</summary>
    public int LargeCallsSoFar { get; init; }

    /// <summary>Error observations in the last three steps.</summary>
    public int RecentErrors { get; init; }

    /// <summary>Retries in the last three steps.</summary>
    public int RecentRetries { get; init; }

    /// <summary>Steps of this episode on which a small model was observed to fail.</summary>
    public int SmallModelFailures { get; init; }

    public bool LastStepFailed { get; init; }

    /// <summary>The model's self-reported confidence in [0, 1] on the last step, when it gave one.</summary>
    public double? SelfConfidence { get; init; }

    /// <summary>The task's cap on large calls, when it has one.</summary>
    public int? LargeCallCap { get; init; }

    /// <summary>Large calls still allowed under the cap.</summary>
    public int? LargeCallsLeft { get; init; }

    public AuctionOutcome? Auction { get; init; }
}
