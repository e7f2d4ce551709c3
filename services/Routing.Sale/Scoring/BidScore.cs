namespace Routing.Sale.Scoring;

/// <summary>A bid's cost C, value V and score C − V (lower wins).</summary>
public readonly record struct BidScore(double Cost, double Value)
{
    public double Score => Cost - Value;

    /// <summary>C = w_c·π·|s|; V = w_h·H + Σ_j w_j·γ_j over the counted jurors (DESIGN §2.2, units in <see cref="BidFeatures"/>).</summary>
    public static BidScore Of(BidFeatures bid, SaleWeights weights, ScoringTerms terms)
    {
        ArgumentNullException.ThrowIfNull(bid);
        ArgumentNullException.ThrowIfNull(weights);
        var cost = weights.Cost * bid.CostFeature(terms);
        var value = weights.Entropy * bid.EntropyFeature(terms);
        foreach (var vote in bid.Votes)
        {
            if (bid.Counts(vote.Juror, terms))
            {
                value += weights.Juror(vote.Juror) * vote.Score;
            }
        }

        return new BidScore(cost, value);
    }
}
