namespace Routing.Sale.Scoring;

/// <summary>
/// The auction's weights w = (w_c, w_h, w_1..w_n) of one version (docs/design.md §2.2), as fitted by
/// <c>routing train sale-weights</c> or set by hand. Juror weights are per agent name; an agent without one
/// (e.g. added to the pool after training) gets <see cref="DefaultJuror"/>.
/// </summary>
public sealed record SaleWeights
{
    public required string Version { get; init; }

    /// <summary>w_c ≥ 0: weight of the cost term π·|s|.</summary>
    public required double Cost { get; init; }

    /// <summary>w_h: weight of the entropy term (may be negative: the fit decides whether uncertainty helps).</summary>
    public required double Entropy { get; init; }

    /// <summary>w_j ≥ 0 per juror (agent name).</summary>
    public required IReadOnlyDictionary<string, double> Jurors { get; init; }

    public double DefaultJuror { get; init; }

    public double Juror(string agent) => Jurors.TryGetValue(agent, out var w) ? w : DefaultJuror;

    /// <summary>Hand-set weights for a pool with no fitted file yet: price matters, the jury decides most, entropy is neutral.</summary>
    public static SaleWeights Untrained(IEnumerable<string> agents) => new()
    {
        Version = "untrained",
        Cost = 0.5,
        Entropy = 0,
        Jurors = agents.ToDictionary(a => a, _ => 0.25),
        DefaultJuror = 0.25,
    };
}
