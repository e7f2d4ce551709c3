using Routing.Backends;
using Routing.Sale.Scoring;
using Xunit;

namespace Routing.Sale.Tests;

public class ScoringTests
{
    private static readonly SaleWeights Weights = new()
    {
        Version = "t",
        Cost = 0.5,
        Entropy = -0.2,
        Jurors = new Dictionary<string, double> { ["a"] = 0.3, ["b"] = 0.1 },
        DefaultJuror = 0.05,
    };

    private static BidFeatures Bid(double? entropy = 0.4) =>
        new("a", RelativePrice: 0.25, PlanTokens: 200, entropy, [new JuryVote("a", 4), new JuryVote("b", 2), new JuryVote("c", 5)]);

    [Fact]
    public void CostIsWeightTimesRelativePriceTimesPlanLengthInHundreds()
    {
        Assert.Equal(0.5 * 0.25 * 2.0, BidScore.Of(Bid(), Weights, ScoringTerms.Full).Cost, 12);
    }

    [Fact]
    public void ValueIsWeightedEntropyOnTheJuryScalePlusWeightedVotes()
    {
        var expected = (-0.2 * 5 * 0.4) + (0.3 * 4) + (0.1 * 2) + (0.05 * 5);
        var score = BidScore.Of(Bid(), Weights, ScoringTerms.Full);
        Assert.Equal(expected, score.Value, 12);
        Assert.Equal(score.Cost - expected, score.Score, 12);
    }

    [Fact]
    public void MissingEntropyDropsTheTermInsteadOfInventingAValue()
    {
        var with = BidScore.Of(Bid(0.4), Weights, ScoringTerms.Full);
        var without = BidScore.Of(Bid(null), Weights, ScoringTerms.Full);
        Assert.Equal(with.Value - (-0.2 * 5 * 0.4), without.Value, 12);
    }

    [Fact]
    public void AblationsRemoveExactlyTheirTerm()
    {
        var bid = Bid();
        Assert.Equal(0.5 * 2.0, BidScore.Of(bid, Weights, ScoringTerms.Full with { Price = false }).Cost, 12);
        Assert.Equal(0.5 * 0.25, BidScore.Of(bid, Weights, ScoringTerms.Full with { Length = false }).Cost, 12);
        Assert.Equal((0.3 * 4) + (0.1 * 2) + (0.05 * 5), BidScore.Of(bid, Weights, ScoringTerms.Full with { Entropy = false }).Value, 12);
        Assert.Equal(-0.2 * 5 * 0.4, BidScore.Of(bid, Weights, ScoringTerms.Full with { Jury = false }).Value, 12);
        Assert.Equal((-0.2 * 5 * 0.4) + (0.3 * 4), BidScore.Of(bid, Weights, ScoringTerms.Full with { JuryMode = JuryMode.SelfOnly }).Value, 12);
        Assert.Equal((-0.2 * 5 * 0.4) + (0.1 * 2) + (0.05 * 5), BidScore.Of(bid, Weights, ScoringTerms.Full with { JuryMode = JuryMode.PeerOnly }).Value, 12);
    }

    [Theory]
    [InlineData(JuryMode.All)]
    [InlineData(JuryMode.SelfOnly)]
    [InlineData(JuryMode.PeerOnly)]
    public void TheBestCaseIsTheLowestScoreAnyJuryCanGiveEvenWithANegativeJurorWeight(JuryMode mode)
    {
        // b's weight is negative: its best vote for the bid is 0, not 5.
        var weights = Weights with { Jurors = new Dictionary<string, double> { ["a"] = 0.3, ["b"] = -0.4 } };
        var terms = ScoringTerms.Full with { JuryMode = mode };
        string[] jurors = ["a", "b", "c"];
        var bid = Bid() with { Votes = [] };

        // Every juror votes 0..5 or not at all (-1): 7³ juries, the bound must be the lowest score among them.
        var lowest = double.MaxValue;
        for (var code = 0; code < 7 * 7 * 7; code++)
        {
            var votes = jurors.Select((j, i) => (j, score: (code / (int)Math.Pow(7, i) % 7) - 1)).Where(v => v.score >= 0).Select(v => new JuryVote(v.j, v.score)).ToList();
            lowest = Math.Min(lowest, BidScore.Of(bid with { Votes = votes }, weights, terms).Score);
        }

        Assert.Equal(lowest, BidScore.BestCase(bid, jurors, weights, terms).Score);
    }

    [Fact]
    public void EntropyOfUniformTopKIsOneAndOfACertainTokenIsNearZero()
    {
        var uniform = Enumerable.Range(0, 4).Select(i => new TopLogprob("t" + i, Math.Log(0.25))).ToList();
        var certain = new List<TopLogprob> { new("x", Math.Log(0.999999)), new("y", Math.Log(1e-6)) };
        Assert.Equal(1.0, PlanEntropy.Normalised([new TokenLogprob("t0", Math.Log(0.25), uniform)])!.Value, 9);
        Assert.True(PlanEntropy.Normalised([new TokenLogprob("x", Math.Log(0.999999), certain)]) < 0.001);
    }

    [Fact]
    public void EntropyIsTheMeanOverTokensWithAlternatives()
    {
        var half = new List<TopLogprob> { new("a", Math.Log(0.5)), new("b", Math.Log(0.5)) };
        var lone = new List<TopLogprob> { new("c", Math.Log(0.9)) };
        var certainish = new List<TopLogprob> { new("d", Math.Log(0.9)), new("e", Math.Log(0.1)) };
        var h2 = (-(0.9 * Math.Log(0.9)) - (0.1 * Math.Log(0.1))) / Math.Log(2);
        var h = PlanEntropy.Normalised([new TokenLogprob("a", Math.Log(0.5), half), new TokenLogprob("c", Math.Log(0.9), lone), new TokenLogprob("d", Math.Log(0.9), certainish)]);
        Assert.Equal((1 + h2) / 2, h!.Value, 9);
    }

    [Fact]
    public void NoLogprobsOrNoAlternativesGiveNoEntropy()
    {
        Assert.Null(PlanEntropy.Normalised(null));
        Assert.Null(PlanEntropy.Normalised([new TokenLogprob("a", -0.1, [])]));
    }
}
