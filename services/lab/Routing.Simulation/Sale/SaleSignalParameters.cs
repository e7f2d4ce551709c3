using System.Text.Json;
using System.Text.Json.Serialization;

namespace Routing.Simulation.Sale;

/// <summary>
/// How the simulator answers SALE bid, jury and refinement calls (<c>Sale/sale-signals.v1.json</c>, embedded).
/// Every value is a hand-set modelling assumption (docs/simulator.md). <c>z</c> below is the bidder's hidden
/// step margin on the task: skill + refinement bonus − difficulty, in logits.
/// </summary>
public sealed record SaleSignalParameters
{
    private const string EmbeddedResourceName = "Routing.Simulation.sale-signals.v1.json";

    public string About { get; init; } = "";

    /// <summary>The margin at which signals sit at their median.</summary>
    public double MarginReference { get; init; }

    /// <summary>|s| = median · exp(−slope·(z − ref) + sigma·N(0,1)), clamped to [min, max].</summary>
    public double PlanTokensMedian { get; init; }

    public double PlanTokensSlope { get; init; }

    public double PlanTokensSigma { get; init; }

    public int PlanTokensMin { get; init; }

    public int PlanTokensMax { get; init; }

    /// <summary>Plan entropy H = sigmoid(intercept − slope·(z − ref) + sigma·N(0,1)); tokens scatter around it by token sigma.</summary>
    public double EntropyIntercept { get; init; }

    public double EntropySlope { get; init; }

    public double EntropySigma { get; init; }

    public double EntropyTokenSigma { get; init; }

    /// <summary>γ = round(intercept + slope·(z − ref) + self bias·[own plan] + noise(juror)·N(0,1)), clamped to 0..5.</summary>
    public double JuryIntercept { get; init; }

    public double JurySlope { get; init; }

    public double JurySelfBias { get; init; }

    /// <summary>Juror noise falls linearly from the cheapest to the most expensive agent of the pool.</summary>
    public double JuryNoiseSmallest { get; init; }

    public double JuryNoiseLargest { get; init; }

    /// <summary>Chance that a juror's verdict on one plan is unusable (no number, out of range), cheapest to largest.</summary>
    public double JuryMalformedRateSmallest { get; init; }

    public double JuryMalformedRateLargest { get; init; }

    /// <summary>Skill bonus (logits) of a refined plan built from enough same-domain past plans; scales linearly below that.</summary>
    public double RefineBonusMax { get; init; }

    public int RefinePairsForFullBonus { get; init; }

    public static SaleSignalParameters Default { get; } = LoadEmbedded();

    private static SaleSignalParameters LoadEmbedded()
    {
        using var stream = typeof(SaleSignalParameters).Assembly.GetManifestResourceStream(EmbeddedResourceName)
            ?? throw new InvalidOperationException($"Embedded resource {EmbeddedResourceName} is missing.");
        var p = JsonSerializer.Deserialize(stream, SaleSignalJsonContext.Default.SaleSignalParameters)
            ?? throw new InvalidOperationException($"{EmbeddedResourceName} is empty.");
        if (p.PlanTokensMin < 8 || p.PlanTokensMax < p.PlanTokensMin || p.RefinePairsForFullBonus < 1 || p.JuryNoiseSmallest < 0 || p.JuryNoiseLargest < 0)
        {
            throw new InvalidOperationException($"{EmbeddedResourceName}: need 8 ≤ plan_tokens_min ≤ plan_tokens_max, refine_pairs_for_full_bonus ≥ 1, non-negative noise.");
        }

        return p;
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(SaleSignalParameters))]
internal sealed partial class SaleSignalJsonContext : JsonSerializerContext;
