using Routing.Sale.Scoring;

namespace Routing.Cli.Bench.Sale;

/// <summary>One SALE configuration of the benchmark: its scoring terms (each ablation refits its own weights) and whether memory refines bids.</summary>
public sealed record SaleVariant(string Name, ScoringTerms Terms, bool Memory)
{
    public static IReadOnlyList<SaleVariant> All { get; } =
    [
        new("sale", ScoringTerms.Full, true),
        new("sale-no-memory", ScoringTerms.Full, false),
        new("sale-no-price", ScoringTerms.Full with { Price = false }, true),
        new("sale-no-length", ScoringTerms.Full with { Length = false }, true),
        new("sale-no-entropy", ScoringTerms.Full with { Entropy = false }, true),
        new("sale-no-jury", ScoringTerms.Full with { Jury = false }, true),
        new("sale-self-only", ScoringTerms.Full with { JuryMode = JuryMode.SelfOnly }, true),
        new("sale-peer-only", ScoringTerms.Full with { JuryMode = JuryMode.PeerOnly }, true),
    ];
}
