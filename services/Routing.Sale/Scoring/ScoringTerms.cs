namespace Routing.Sale.Scoring;

/// <summary>Which jury scores enter the value term.</summary>
public enum JuryMode
{
    /// <summary>Every juror, the bidder included (SALE).</summary>
    All,

    /// <summary>Only the bidder's score of its own plan (ablation).</summary>
    SelfOnly,

    /// <summary>Only the other agents' scores (ablation).</summary>
    PeerOnly,
}

/// <summary>The terms of C − V that an auction uses; every switch off is one of the paper's ablations.</summary>
public sealed record ScoringTerms
{
    public static ScoringTerms Full { get; } = new();

    /// <summary>π in the cost term; off, C = w_c·|s|.</summary>
    public bool Price { get; init; } = true;

    /// <summary>|s| in the cost term; off, C = w_c·π.</summary>
    public bool Length { get; init; } = true;

    public bool Entropy { get; init; } = true;

    /// <summary>Off, no jury calls are made at all (and no jury tokens spent).</summary>
    public bool Jury { get; init; } = true;

    public JuryMode JuryMode { get; init; } = JuryMode.All;
}
