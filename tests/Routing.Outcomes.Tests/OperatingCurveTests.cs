using Routing.Outcomes.Evaluation;
using Xunit;

namespace Routing.Outcomes.Tests;

/// <summary>Cost to reach an accuracy target, on hand-made curves with known answers.</summary>
public sealed class OperatingCurveTests
{
    // Cheap and weak, middle, dear and strong.
    private static readonly CurvePoint[] Points = [new(1, 0.5), new(3, 0.7), new(10, 0.9)];

    [Fact]
    public void CheapestMixReachesTheTarget()
    {
        // Target 0.8: point 2 alone costs 10; mixing 0 and 2 needs p = 0.75 → 7.75; mixing 1 and 2 needs p = 0.5 → 6.5.
        var mix = OperatingCurve.CostToReach(Points, 0.8);

        Assert.NotNull(mix);
        Assert.Equal(6.5, mix.CostUsd, 12);
        Assert.Equal((1, 2), (mix.Low, mix.High));
        Assert.Equal(0.5, mix.HighProbability, 12);
        Assert.False(mix.Single);
    }

    [Fact]
    public void APointExactlyOnTheTargetNeedsNoMix()
    {
        var mix = OperatingCurve.CostToReach(Points, 0.7);

        Assert.NotNull(mix);
        Assert.True(mix.Single);
        Assert.Equal(1, mix.High);
        Assert.Equal(3, mix.CostUsd);
    }

    [Fact]
    public void DominatedPointsAreLeftOutOfTheCheapestMix()
    {
        // The dear point (10, 0.6) is dominated by (3, 0.7); the answer mixes (1, 0.5) and (3, 0.7) half and half → 2.
        var mix = OperatingCurve.CostToReach([new(1, 0.5), new(3, 0.7), new(10, 0.6)], 0.6);

        Assert.NotNull(mix);
        Assert.Equal(2.0, mix.CostUsd, 12);
        Assert.Equal((0, 1), (mix.Low, mix.High));
    }

    [Fact]
    public void UnreachableTargetHasNoCost()
    {
        Assert.Null(OperatingCurve.CostToReach(Points, 0.95));
    }

    [Fact]
    public void MixFrontierKeepsTheUpperConvexHullCheapestFirst()
    {
        // (4, 0.55) is dominated by (3, 0.7); (6, 0.75) lies under the segment (3, 0.7)–(10, 0.9), which passes 0.786 there.
        var hull = OperatingCurve.MixFrontier([.. Points, new(4, 0.55), new(6, 0.75)]);

        Assert.Equal(Points, hull);
    }
}
