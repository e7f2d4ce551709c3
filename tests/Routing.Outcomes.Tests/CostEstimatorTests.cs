using Routing.Outcomes.Costs;
using Routing.Outcomes.Data;
using Xunit;

namespace Routing.Outcomes.Tests;

/// <summary>Cost per outcome: recorded where there is one, else prices × recorded or estimated tokens, counted by kind.</summary>
public sealed class CostEstimatorTests
{
    private static readonly ModelPrice Price = new(InputUsdPerMTok: 0.25, OutputUsdPerMTok: 1.25);

    [Fact]
    public void RecordedCostWins()
    {
        var (cost, source) = new CostEstimator().Cost("text", new ModelOutcome(1, 0.0042, 1000, 1000), Price);

        Assert.Equal(0.0042, cost);
        Assert.Equal(CostSource.Recorded, source);
    }

    [Fact]
    public void RecordedTokensArePricedPerMillion()
    {
        // 1,000 × $0.25/M + 200 × $1.25/M = $0.00025 + $0.00025.
        var (cost, source) = new CostEstimator().Cost("text", new ModelOutcome(1, null, 1000, 200), Price);

        Assert.Equal(0.0005, cost, 12);
        Assert.Equal(CostSource.RecordedTokens, source);
    }

    [Fact]
    public void MissingTokensAreEstimatedFromLengthAndTheAssumedAnswer()
    {
        // 10 characters → ⌈10 / 4⌉ = 3 input tokens; 100 assumed output tokens: (3 × 0.25 + 100 × 1.25) / 1e6.
        var (cost, source) = new CostEstimator(AssumedOutputTokens: 100).Cost("0123456789", new ModelOutcome(0, null, null, null), Price);

        Assert.Equal(125.75e-6, cost, 12);
        Assert.Equal(CostSource.Estimated, source);
    }

    [Fact]
    public void OneRecordedCountStillMakesTheCostAnEstimate()
    {
        var (cost, source) = new CostEstimator(AssumedOutputTokens: 100).Cost("0123456789", new ModelOutcome(0, null, 40, null), Price);

        Assert.Equal((40 * 0.25 + 100 * 1.25) / 1e6, cost, 12);
        Assert.Equal(CostSource.Estimated, source);
    }

    [Fact]
    public void MatrixCountsEachKindAndSaysWhenCostsAreEstimated()
    {
        using var files = new TempFiles();
        var data = OutcomeReader.Read(files.Write("d.jsonl", """
            {"id": "q1", "text": "abcd", "outcomes": {"a": {"score": 1, "cost_usd": 0.5}, "b": {"score": 0, "input_tokens": 1000000, "output_tokens": 0}}}
            {"id": "q2", "text": "abcdefgh", "outcomes": {"a": {"score": 1}, "b": {"score": 0}}}
            """));

        var matrix = new CostEstimator(AssumedOutputTokens: 0).Costs(data, PriceTable.Load(files.PricesAB()));

        Assert.Equal([0.5, 10.0], matrix.CostsUsd[0]);
        Assert.Equal([2 * 1.0 / 1e6, 2 * 10.0 / 1e6], matrix.CostsUsd[1]);
        Assert.Equal((1, 1, 2), (matrix.Recorded, matrix.FromRecordedTokens, matrix.Estimated));
        Assert.True(matrix.AnyEstimated);
        Assert.Contains("2 ESTIMATED", matrix.Describe());
    }

    [Fact]
    public void AllRecordedCostsAreDescribedAsRecorded()
    {
        using var files = new TempFiles();
        var data = OutcomeReader.Read(files.Write("d.jsonl", """{"id": "q1", "text": "t", "outcomes": {"a": {"score": 1, "cost_usd": 0.5}, "b": {"score": 0, "cost_usd": 0}}}"""));

        var matrix = new CostEstimator().Costs(data, PriceTable.Load(files.PricesAB()));

        Assert.False(matrix.AnyEstimated);
        Assert.Equal("costs: recorded cost_usd for every outcome", matrix.Describe());
    }
}
