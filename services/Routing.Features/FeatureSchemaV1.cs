namespace Routing.Features;

/// <summary>
/// Feature schema v1: 24 numeric step features followed by 64 hashed n-gram buckets of the task text and 64
/// of the latest observation. Every value lies in [-1, 1]. The layout and every normalisation are documented
/// in docs/features.md; changing any of them is a new schema version, never an edit of this one.
/// </summary>
public static class FeatureSchemaV1
{
    public const int Version = 1;

    public const int NumericWidth = 24;

    public const int TextBuckets = 64;

    public const int TaskTextOffset = NumericWidth;

    public const int ObservationTextOffset = NumericWidth + TextBuckets;

    public const int Width = NumericWidth + 2 * TextBuckets;

    /// <summary>Spend and remaining budget saturate at $1,000 on the log scale.</summary>
    public const double MoneyScaleMicros = 1_000_000_000;

    /// <summary>Step index and horizon saturate at 1,024 steps on the log scale.</summary>
    public const double StepScale = 1_024;

    /// <summary>Context saturates at 2^20 tokens on the log scale.</summary>
    public const double TokenScale = 1_048_576;

    /// <summary>Small-model failures saturate at 64 on the log scale.</summary>
    public const double FailureScale = 64;

    /// <summary>Error and retry counts saturate at this many in the recent window.</summary>
    public const int RecentWindow = 3;

    // Numeric feature indices, in vector order.
    public const int BudgetRemainingFraction = 0;
    public const int SpentLog = 1;
    public const int RemainingLog = 2;
    public const int StepFraction = 3;
    public const int StepLog = 4;
    public const int HorizonLog = 5;
    public const int ContextTokensLog = 6;
    public const int LastActionSmall = 7;
    public const int LastActionLarge = 8;
    public const int ActionBeforeLastSmall = 9;
    public const int ActionBeforeLastLarge = 10;
    public const int LargeCallShare = 11;
    public const int RecentErrors = 12;
    public const int RecentRetries = 13;
    public const int SmallFailuresLog = 14;
    public const int LastStepFailed = 15;
    public const int SelfConfidence = 16;
    public const int HasSelfConfidence = 17;
    public const int HasLargeCallCap = 18;
    public const int LargeCallsLeftFraction = 19;
    public const int HasAuction = 20;
    public const int AuctionWinnerRank = 21;
    public const int AuctionMargin = 22;
    public const int Bias = 23;

    /// <summary>Names of the numeric features, by index (the text buckets are <c>task_hash_i</c>, <c>obs_hash_i</c>).</summary>
    public static IReadOnlyList<string> NumericNames { get; } =
    [
        "budget_remaining_fraction", "spent_log", "remaining_log", "step_fraction", "step_log", "horizon_log",
        "context_tokens_log", "last_action_small", "last_action_large", "action_before_last_small",
        "action_before_last_large", "large_call_share", "recent_errors", "recent_retries", "small_failures_log",
        "last_step_failed", "self_confidence", "has_self_confidence", "has_large_call_cap",
        "large_calls_left_fraction", "has_auction", "auction_winner_rank", "auction_margin", "bias",
    ];

    /// <summary>Writes the v1 vector of one step into <paramref name="destination"/> (exactly <see cref="Width"/> long).</summary>
    public static void Extract(in StepState state, ReadOnlySpan<char> taskText, ReadOnlySpan<char> observationText, Span<float> destination)
    {
        if (destination.Length != Width)
        {
            throw new ArgumentException($"destination must hold exactly {Width} values (got {destination.Length})", nameof(destination));
        }
        var numeric = destination[..NumericWidth];
        numeric.Clear();

        var spent = Math.Max(0, state.SpentMicros);
        var remaining = Math.Max(0, state.RemainingMicros);
        numeric[BudgetRemainingFraction] = state.LimitMicros > 0 ? Unit((double)remaining / state.LimitMicros) : 1f;
        numeric[SpentLog] = Log(spent, MoneyScaleMicros);
        numeric[RemainingLog] = Log(remaining, MoneyScaleMicros);

        var horizon = Math.Max(1, state.Horizon);
        var step = Math.Max(0, state.StepIndex);
        numeric[StepFraction] = Unit((double)step / horizon);
        numeric[StepLog] = Log(step, StepScale);
        numeric[HorizonLog] = Log(horizon, StepScale);
        numeric[ContextTokensLog] = Log(Math.Max(0, state.ContextTokens), TokenScale);

        numeric[LastActionSmall] = state.LastAction == PreviousAction.Small ? 1f : 0f;
        numeric[LastActionLarge] = state.LastAction == PreviousAction.Large ? 1f : 0f;
        numeric[ActionBeforeLastSmall] = state.ActionBeforeLast == PreviousAction.Small ? 1f : 0f;
        numeric[ActionBeforeLastLarge] = state.ActionBeforeLast == PreviousAction.Large ? 1f : 0f;
        numeric[LargeCallShare] = step > 0 ? Unit((double)Math.Max(0, state.LargeCallsSoFar) / step) : 0f;

        numeric[RecentErrors] = (float)Math.Clamp(state.RecentErrors, 0, RecentWindow) / RecentWindow;
        numeric[RecentRetries] = (float)Math.Clamp(state.RecentRetries, 0, RecentWindow) / RecentWindow;
        numeric[SmallFailuresLog] = Log(Math.Max(0, state.SmallModelFailures), FailureScale);
        numeric[LastStepFailed] = state.LastStepFailed ? 1f : 0f;

        if (state.SelfConfidence is { } confidence && double.IsFinite(confidence))
        {
            numeric[SelfConfidence] = Unit(confidence);
            numeric[HasSelfConfidence] = 1f;
        }

        if (state.LargeCallCap is { } cap)
        {
            numeric[HasLargeCallCap] = 1f;
            var left = state.LargeCallsLeft ?? cap;
            numeric[LargeCallsLeftFraction] = cap > 0 ? Unit((double)left / cap) : 0f;
        }
        else
        {
            numeric[LargeCallsLeftFraction] = 1f;
        }

        if (state.Auction is { } auction)
        {
            numeric[HasAuction] = 1f;
            numeric[AuctionWinnerRank] = auction.PoolSize > 1 ? Unit((double)auction.WinnerRank / (auction.PoolSize - 1)) : 0f;
            numeric[AuctionMargin] = double.IsFinite(auction.Margin) ? (float)Math.Tanh(Math.Max(0, auction.Margin)) : 0f;
        }

        numeric[Bias] = 1f;

        TextHashing.HashNGrams(taskText, destination.Slice(TaskTextOffset, TextBuckets));
        TextHashing.HashNGrams(observationText, destination.Slice(ObservationTextOffset, TextBuckets));
    }

    private static float Unit(double value) => double.IsFinite(value) ? (float)Math.Clamp(value, 0, 1) : 0f;

    /// <summary>log(1 + x) / log(1 + scale), clamped to [0, 1].</summary>
    private static float Log(double value, double scale) => Unit(Math.Log(1 + value) / Math.Log(1 + scale));
}
