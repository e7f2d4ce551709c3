using Routing.Outcomes.Evaluation;
using Xunit;

namespace Routing.Outcomes.Tests;

/// <summary>Random routing between two models: seeded draws average to the closed-form expectation.</summary>
public sealed class RandomRoutingTests
{
    private static (double[][] Scores, double[][] Costs) TwoModels(int queries)
    {
        var random = new Random(11);
        var scores = new double[queries][];
        var costs = new double[queries][];
        for (var q = 0; q < queries; q++)
        {
            scores[q] = [random.Next(2), random.Next(2)];
            costs[q] = [random.NextDouble(), 5 + random.NextDouble()];
        }

        return (scores, costs);
    }

    [Fact]
    public void AverageOverSeedsMatchesTheExpectation()
    {
        var (scores, costs) = TwoModels(300);
        var low = new CurvePoint(costs.Average(c => c[0]), scores.Average(s => s[0]));
        var high = new CurvePoint(costs.Average(c => c[1]), scores.Average(s => s[1]));

        var expected = RandomRouting.Expected(low, high, 0.3);
        var spread = RandomRouting.Spread(scores, costs, 0, 1, 0.3, 2000);

        // Standard error of the mean over 2,000 seeds: accuracy ≈ 0.5/√300/√2000 ≈ 6e-4, cost ≈ 2.6/√300/√2000 ≈ 3.4e-3.
        Assert.Equal(expected.Accuracy, spread.MeanAccuracy, 0.003);
        Assert.Equal(expected.CostUsd, spread.MeanCostUsd, 0.015);
        Assert.InRange(spread.SdAccuracy, 0.005, 0.05);
    }

    [Fact]
    public void ProbabilityZeroAndOneAreTheSingleModels()
    {
        var (scores, costs) = TwoModels(50);

        var allLow = RandomRouting.Realise(scores, costs, 0, 1, 0, new Random(3));
        var allHigh = RandomRouting.Realise(scores, costs, 0, 1, 1, new Random(3));

        Assert.Equal(scores.Average(s => s[0]), allLow.Accuracy, 12);
        Assert.Equal(costs.Average(c => c[1]), allHigh.CostUsd, 12);
    }

    [Fact]
    public void ExpectationIsTheMixOfTheTwoPoints()
    {
        var point = RandomRouting.Expected(new CurvePoint(2, 0.4), new CurvePoint(12, 0.9), 0.25);

        Assert.Equal(new CurvePoint(4.5, 0.525), point);
    }
}
