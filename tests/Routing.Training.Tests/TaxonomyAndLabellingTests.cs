using Routing.Training.Boundary;
using Routing.Training.Bopo;
using Routing.Training.Sft;
using Xunit;

namespace Routing.Training.Tests;

/// <summary>The taxonomy, the SFT demonstration choice, the reward and the reference-guided advantage on hand-made cases.</summary>
public sealed class TaxonomyAndLabellingTests
{
    [Theory]
    [InlineData(1.0, 1.0, DifficultyClass.Easy)]
    [InlineData(0.6, 0.2, DifficultyClass.Easy)]
    [InlineData(0.4, 0.6, DifficultyClass.Hard)]
    [InlineData(0.0, 1.0, DifficultyClass.Hard)]
    [InlineData(0.4, 0.4, DifficultyClass.Intractable)]
    [InlineData(0.0, 0.0, DifficultyClass.Intractable)]
    public void TasksAreClassifiedByWhichBoundaryPolicySucceeds(double small, double large, DifficultyClass expected) =>
        Assert.Equal(expected, DifficultyTaxonomy.Classify(small, large, threshold: 0.5));

    [Fact]
    public void BoundaryRecordsTakeRatesAndMeanCostsOverTheKRuns()
    {
        var record = Record([false, false, true, false, false], [100, 120, 140, 100, 140], [true, true, true, false, true], [500, 600, 700, 500, 700]);
        Assert.Equal(0.2, record.SmallSuccessRate, 9);
        Assert.Equal(0.8, record.LargeSuccessRate, 9);
        Assert.Equal(120, record.SmallMeanCost, 9);
        Assert.Equal(600, record.LargeMeanCost, 9);
        Assert.Equal(DifficultyClass.Hard, record.Class);
    }

    [Fact]
    public void TheCheapestSuccessfulSweepTrajectoryIsTheDemonstration()
    {
        SweepOutcome[] outcomes = [new(false, 10), new(true, 300), new(false, 50), new(true, 200), new(true, 200), new(true, 900)];
        Assert.Equal(3, SftDemonstrations.CheapestSuccess(outcomes));
    }

    [Fact]
    public void ASweepWithoutSuccessHasNoDemonstration() =>
        Assert.Equal(-1, SftDemonstrations.CheapestSuccess([new(false, 10), new(false, 20)]));

    [Fact]
    public void CostIsNormalisedBetweenTheBoundaryCostsAndClamped()
    {
        var record = Record([true], [100], [true], [500]);
        Assert.Equal(0, BopoReward.CostNorm(100, record), 9);
        Assert.Equal(0.5, BopoReward.CostNorm(300, record), 9);
        Assert.Equal(1, BopoReward.CostNorm(500, record), 9);
        Assert.Equal(0, BopoReward.CostNorm(10, record), 9);
        Assert.Equal(BopoReward.MaxCostNorm, BopoReward.CostNorm(100_000, record), 9);
    }

    [Fact]
    public void OnlyHardTasksEarnTheHardBonus()
    {
        var hard = Record([false, false, false], [100, 100, 100], [true, true, true], [500, 500, 500]);
        var easy = Record([true, true, true], [100, 100, 100], [true, true, true], [500, 500, 500]);
        Assert.Equal(1 + 0.5 - (0.2 * 0.5), BopoReward.Reward(true, 300, hard, hardBonus: 0.5, costWeight: 0.2), 9);
        Assert.Equal(1 - (0.2 * 0.5), BopoReward.Reward(true, 300, easy, hardBonus: 0.5, costWeight: 0.2), 9);
        Assert.Equal(-(0.2 * 0.5), BopoReward.Reward(false, 300, hard, hardBonus: 0.5, costWeight: 0.2), 9);
    }

    [Fact]
    public void AGroupThatFailsCheaplyOnAHardTaskGetsNegativeAdvantageOnlyWithTheReference()
    {
        var hard = Record([false, false, false], [100, 100, 100], [true, true, true], [500, 500, 500]);
        var (small, large) = BopoReward.BoundaryRewards(hard, attempt: 1, hardBonus: 0.3, costWeight: 0.2);
        Assert.Equal(0, small, 9);
        Assert.Equal(1.3 - 0.2, large, 9);
        double[] rewards = [0, 0, 0, 0];
        var guided = new double[4];
        var plain = new double[4];
        BopoReward.Advantages(rewards, [small, large], stdFloor: 0.1, guided);
        BopoReward.Advantages(rewards, [], stdFloor: 0.1, plain);
        Assert.All(guided, a => Assert.True(a < 0));
        Assert.All(plain, a => Assert.Equal(0, a));
    }

    private static BoundaryRecord Record(bool[] smallSuccess, long[] smallCost, bool[] largeSuccess, long[] largeCost) =>
        new(default, smallSuccess, smallCost, largeSuccess, largeCost, threshold: 0.5);
}
