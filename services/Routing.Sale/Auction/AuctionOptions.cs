using Routing.Sale.Scoring;

namespace Routing.Sale.Auction;

/// <summary>Limits and switches of an auction.</summary>
public sealed record AuctionOptions
{
    /// <summary>
    /// Output cap of a bid or refined bid. A plan is numbered steps, what to check and when it is done: about ten
    /// steps of twenty tokens (the simulator's plans are 24–200 tokens, so none is cut there).
    /// </summary>
    public int PlanMaxTokens { get; init; } = 200;

    /// <summary>
    /// Ceiling on one juror's verdict on all plans; each call asks for what the format needs
    /// (<see cref="Jury.JuryAnswer.MaxTokens"/>: one short line per plan), at most this.
    /// </summary>
    public int JuryMaxTokens { get; init; } = 256;

    /// <summary>Top log-probs asked per token; H needs at least 2.</summary>
    public int TopLogprobs { get; init; } = 5;

    /// <summary>Most backend calls in flight at once for one auction.</summary>
    public int MaxConcurrency { get; init; } = 8;

    /// <summary>Per call; a call past it is a failed bid or a missing vote.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Similar past tasks a refining agent retrieves at most (k̃ = min(this, |memory|)).</summary>
    public int MemoryK { get; init; } = 8;

    /// <summary>Contrastive pairs quoted per past task in a refinement prompt (bounds its tokens).</summary>
    public int PairsPerTask { get; init; } = 1;

    public ScoringTerms Terms { get; init; } = ScoringTerms.Full;

    /// <summary>Refine with memory (off: "SALE without memory"; the auction is still recorded when a memory is given).</summary>
    public bool Refinement { get; init; } = true;

    /// <summary>
    /// Skip the jury on the refined bids when none of them could beat the provisional winner's C − V even if every
    /// juror gave it the best score its weight allows: the outcome cannot change, so the round only costs tokens.
    /// Off: always judge (to check that the skip changes no decision).
    /// </summary>
    public bool SkipHopelessRefinedJury { get; init; } = true;

    /// <summary>The agent that owns the task when every bid fails; null: the cheapest agent of the pool.</summary>
    public string? FallbackAgent { get; init; }

    public double Temperature { get; init; } = 0.7;

    public List<string> Validate()
    {
        var problems = new List<string>();
        if (PlanMaxTokens is < 16 or > 4096)
        {
            problems.Add("PlanMaxTokens must be between 16 and 4096");
        }

        if (JuryMaxTokens is < 4 or > 1024)
        {
            problems.Add("JuryMaxTokens must be between 4 and 1024");
        }

        if (TopLogprobs is < 0 or > 20)
        {
            problems.Add("TopLogprobs must be between 0 and 20");
        }

        if (MaxConcurrency < 1 || CallTimeout <= TimeSpan.Zero || MemoryK is < 1 or > 256 || PairsPerTask < 1)
        {
            problems.Add("MaxConcurrency ≥ 1, CallTimeout > 0, MemoryK 1..256 and PairsPerTask ≥ 1 are required");
        }

        return problems;
    }
}
