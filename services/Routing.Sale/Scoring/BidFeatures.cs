namespace Routing.Sale.Scoring;

/// <summary>One jury member's score of a plan (0..<see cref="MaxScore"/>).</summary>
public readonly record struct JuryVote(string Juror, int Score)
{
    /// <summary>The best score a juror can give; 0 is the worst.</summary>
    public const int MaxScore = 5;
}

/// <summary>
/// The measured inputs of a bid's score, in the units the weights are defined in (docs/sale.md): the same
/// numbers feed the live auction and the weight fit, so the two cannot drift apart.
/// </summary>
/// <param name="Bidder">The agent that wrote the plan.</param>
/// <param name="RelativePrice">π: the agent's mean token price divided by the pool's most expensive, in (0, 1].</param>
/// <param name="PlanTokens">|s| in tokens, as the backend reported them.</param>
/// <param name="Entropy">H in [0, 1], or null when the backend returned no usable log-probs (the term is dropped).</param>
/// <param name="Votes">The jury's valid scores; unparseable and missing votes are not here.</param>
public sealed record BidFeatures(string Bidder, double RelativePrice, int PlanTokens, double? Entropy, IReadOnlyList<JuryVote> Votes)
{
    /// <summary>|s| enters the cost in hundreds of tokens.</summary>
    public const double PlanTokenUnit = 100;

    /// <summary>H enters the value on the jury's 0–5 scale, so that bounded weights are comparable.</summary>
    public const double EntropyScale = 5;

    /// <summary>The cost feature π·|s| (in units above) under the ablation switches; C = w_c × this.</summary>
    public double CostFeature(ScoringTerms terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        return (terms.Price ? RelativePrice : 1) * (terms.Length ? PlanTokens / PlanTokenUnit : 1);
    }

    /// <summary>The entropy feature 5·H, 0 when the term is off or the log-probs are missing.</summary>
    public double EntropyFeature(ScoringTerms terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        return terms.Entropy && Entropy is { } h ? EntropyScale * h : 0;
    }

    /// <summary>Whether a juror's vote counts for this bid under the jury mode.</summary>
    public bool Counts(string juror, ScoringTerms terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        return terms.Jury && terms.JuryMode switch
        {
            JuryMode.SelfOnly => juror == Bidder,
            JuryMode.PeerOnly => juror != Bidder,
            _ => true,
        };
    }
}
