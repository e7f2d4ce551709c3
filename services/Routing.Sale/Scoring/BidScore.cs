namespace Routing.Sale.Scoring;

/// <summary>A bid's cost C, value V and score C − V (lower wins).</summary>
public readonly record struct BidScore(double Cost, double Value)
{
    public double Score => Cost - Value;

    /// <summary>C = w_c·π·|s|; V = w_h·H + Σ_j w_j·γ_j over the counted jurors (docs/design.md §2.2.2, units in <see cref="BidFeatures"/>).</summary>
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

    /// <summary>
    /// The lowest C − V the bid can reach whatever the jury says: every juror in <paramref name="jurors"/> votes the
    /// score that helps it most under its weight (<see cref="JuryVote.MaxScore"/> for w_j ≥ 0, 0 for a negative w_j),
    /// scored by <see cref="Of"/> itself. Real votes are a subset of these with scores no better, and floating-point
    /// sums are monotone in each term, so the bid's judged score is never below this bound.
    /// </summary>
    public static BidScore BestCase(BidFeatures bid, IEnumerable<string> jurors, SaleWeights weights, ScoringTerms terms)
    {
        ArgumentNullException.ThrowIfNull(bid);
        ArgumentNullException.ThrowIfNull(jurors);
        ArgumentNullException.ThrowIfNull(weights);
        var votes = jurors.Select(j => new JuryVote(j, weights.Juror(j) >= 0 ? JuryVote.MaxScore : 0)).ToList();
        return Of(bid with { Votes = votes }, weights, terms);
    }
}
