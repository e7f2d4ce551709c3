using Xunit;

namespace Routing.Features.Tests;

public sealed class FeatureSchemaV1Tests
{
    private static readonly StepState Typical = new()
    {
        LimitMicros = 2_000_000,
        SpentMicros = 500_000,
        RemainingMicros = 1_500_000,
        StepIndex = 4,
        Horizon = 20,
        ContextTokens = 12_000,
        LastAction = PreviousAction.Small,
        ActionBeforeLast = PreviousAction.Large,
        LargeCallsSoFar = 1,
        RecentErrors = 2,
        RecentRetries = 7,
        SmallModelFailures = 3,
        LastStepFailed = true,
        SelfConfidence = 0.25,
        LargeCallCap = 10,
        LargeCallsLeft = 9,
        Auction = new AuctionOutcome(1, 4, 0.5),
    };

    [Fact]
    public void TheVectorHasTheDocumentedWidthAndNames()
    {
        Assert.Equal(152, FeatureSchemaV1.Width);
        Assert.Equal(FeatureSchemaV1.NumericWidth, FeatureSchemaV1.NumericNames.Count);
        Assert.Equal(FeatureSchemaV1.Width, FeatureSchema.WidthOf(1));
        Assert.Equal(0, FeatureSchema.WidthOf(2));
    }

    [Fact]
    public void NumericFeaturesFollowTheDocumentedNormalisation()
    {
        var v = Extract(Typical, "fix the failing build", "error: test failed");

        Assert.Equal(0.75f, v[FeatureSchemaV1.BudgetRemainingFraction], 6);
        Assert.Equal((float)(Math.Log(500_001) / Math.Log(1_000_000_001)), v[FeatureSchemaV1.SpentLog], 6);
        Assert.Equal(0.2f, v[FeatureSchemaV1.StepFraction], 6);
        Assert.Equal(1f, v[FeatureSchemaV1.LastActionSmall]);
        Assert.Equal(0f, v[FeatureSchemaV1.LastActionLarge]);
        Assert.Equal(1f, v[FeatureSchemaV1.ActionBeforeLastLarge]);
        Assert.Equal(0.25f, v[FeatureSchemaV1.LargeCallShare], 6);
        Assert.Equal(2f / 3, v[FeatureSchemaV1.RecentErrors], 6);
        Assert.Equal(1f, v[FeatureSchemaV1.RecentRetries]);
        Assert.Equal(1f, v[FeatureSchemaV1.LastStepFailed]);
        Assert.Equal(0.25f, v[FeatureSchemaV1.SelfConfidence], 6);
        Assert.Equal(1f, v[FeatureSchemaV1.HasSelfConfidence]);
        Assert.Equal(0.9f, v[FeatureSchemaV1.LargeCallsLeftFraction], 6);
        Assert.Equal(1f / 3, v[FeatureSchemaV1.AuctionWinnerRank], 6);
        Assert.Equal((float)Math.Tanh(0.5), v[FeatureSchemaV1.AuctionMargin], 6);
        Assert.Equal(1f, v[FeatureSchemaV1.Bias]);
    }

    [Fact]
    public void EveryValueIsFiniteAndWithinUnitRangeEvenForExtremeInput()
    {
        var extreme = new StepState
        {
            LimitMicros = 1,
            SpentMicros = long.MaxValue,
            RemainingMicros = long.MaxValue,
            StepIndex = int.MaxValue,
            Horizon = -5,
            ContextTokens = int.MaxValue,
            LargeCallsSoFar = int.MaxValue,
            RecentErrors = -3,
            SelfConfidence = double.NaN,
            LargeCallCap = 0,
            Auction = new AuctionOutcome(9, 1, double.PositiveInfinity),
        };

        var v = Extract(extreme, new string('x', 100_000), "");

        foreach (var value in v)
        {
            Assert.True(float.IsFinite(value));
            Assert.InRange(value, -1f, 1f);
        }
        Assert.Equal(0f, v[FeatureSchemaV1.HasSelfConfidence]);
    }

    [Fact]
    public void AbsentCapAndAuctionHaveTheirDocumentedDefaults()
    {
        var v = Extract(new StepState { Horizon = 10 }, "", "");

        Assert.Equal(0f, v[FeatureSchemaV1.HasLargeCallCap]);
        Assert.Equal(1f, v[FeatureSchemaV1.LargeCallsLeftFraction]);
        Assert.Equal(0f, v[FeatureSchemaV1.HasAuction]);
        Assert.Equal(1f, v[FeatureSchemaV1.BudgetRemainingFraction]);
        Assert.All(v[FeatureSchemaV1.TaskTextOffset..], value => Assert.Equal(0f, value));
    }

    [Fact]
    public void TextBucketsAreUnitLengthCaseInsensitiveAndStable()
    {
        var a = Extract(Typical, "Fix the FAILING build", "");
        var b = Extract(Typical, "fix the failing build", "");
        var c = Extract(Typical, "write a poem about spring", "");

        var task = a.AsSpan(FeatureSchemaV1.TaskTextOffset, FeatureSchemaV1.TextBuckets);
        var norm = 0f;
        foreach (var value in task)
        {
            norm += value * value;
        }
        Assert.Equal(1f, norm, 5);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void TheHashIsTheDocumentedFnv1a()
    {
        // FNV-1a 32 of "a": ASCII characters feed their low byte then a zero high byte.
        var expected = unchecked((2166136261u ^ 'a') * 16777619u * 16777619u);

        Assert.Equal(expected, TextHashing.Feed(2166136261u, "A"));
    }

    [Fact]
    public void AMismatchedSchemaVersionIsAnExplicitError()
    {
        var error = Assert.Throws<FeatureSchemaMismatchException>(() => FeatureSchema.EnsureVersion(1, 2));

        Assert.Contains("version 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("unknown", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AWrongDestinationWidthIsRefused() =>
        Assert.Throws<ArgumentException>(() => FeatureSchemaV1.Extract(Typical, "", "", new float[10]));

    private static float[] Extract(StepState state, string task, string observation)
    {
        var vector = new float[FeatureSchemaV1.Width];
        FeatureSchemaV1.Extract(state, task, observation, vector);
        return vector;
    }
}
