using System.Globalization;
using Google.Protobuf.Collections;
using Routing.Contracts.Memory.V1;
using Routing.Memory.Options;
using Routing.ServiceDefaults.Grpc;
using static Routing.ServiceDefaults.Grpc.FieldValidation;

namespace Routing.Memory.Grpc;

/// <summary>Field checks of the memory RPCs beyond the shared ones (<see cref="FieldValidation"/>).</summary>
public static class RequestValidation
{
    public const int MaxDomainLength = 64;
    public const int MaxPromptVersionBytes = 64;
    public const int MaxPlanTokens = 1_000_000;
    public const int MaxJuryScores = 256;

    /// <summary>Largest actual cost of one task: one million dollars, as in the budget service.</summary>
    public const long MaxMicros = FieldValidation.MaxMicros;

    public static string Text(string field, string value, int maxBytes)
    {
        var bytes = System.Text.Encoding.UTF8.GetByteCount(value);
        return bytes <= maxBytes ? value : throw Invalid(field, $"must be at most {maxBytes} UTF-8 bytes (got {bytes})");
    }

    public static string Domain(string value)
    {
        if (value.Length > MaxDomainLength)
        {
            throw Invalid("domain", $"must be at most {MaxDomainLength} characters (got {value.Length})");
        }
        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                throw Invalid("domain", "must not contain control characters");
            }
        }
        return value;
    }

    /// <summary>Finite values, at most <paramref name="maxDimension"/>, not all zero. Empty is allowed (text is used instead).</summary>
    public static void Embedding(string field, RepeatedField<float> values, int maxDimension)
    {
        if (values.Count > maxDimension)
        {
            throw Invalid(field, $"must have at most {maxDimension} values (got {values.Count})");
        }
        var anyNonZero = false;
        for (var i = 0; i < values.Count; i++)
        {
            var value = values[i];
            if (!float.IsFinite(value))
            {
                throw Invalid(field, $"must be finite (value {i} is {value.ToString(CultureInfo.InvariantCulture)})");
            }
            anyNonZero |= value != 0;
        }
        if (values.Count > 0 && !anyNonZero)
        {
            throw Invalid(field, "must not be all zeros (its direction is the similarity)");
        }
    }

    /// <summary>0 means the default; otherwise 1..<paramref name="max"/>.</summary>
    public static int K(int value, int max) =>
        value >= 0 && value <= max ? value : throw Invalid("k", $"must be 0 (default: min(8, auctions available)) or between 1 and {max} (got {value})");

    public static void Bids(RepeatedField<Bid> bids, int winnerIndex, MemoryOptions options)
    {
        if (bids.Count == 0)
        {
            throw Invalid("bids", "must hold at least one bid");
        }
        if (bids.Count > options.MaxBids)
        {
            throw Invalid("bids", $"must hold at most {options.MaxBids} bids (got {bids.Count})");
        }
        if (winnerIndex < 0 || winnerIndex >= bids.Count)
        {
            throw Invalid("winner_index", $"must index one of the {bids.Count} bids (got {winnerIndex})");
        }
        for (var i = 0; i < bids.Count; i++)
        {
            var bid = bids[i];
            var field = string.Create(CultureInfo.InvariantCulture, $"bids[{i}]");
            Id(field + ".agent", bid.Agent);
            if (bid.Strategy.Length == 0)
            {
                throw Invalid(field + ".strategy", "is required");
            }
            Text(field + ".strategy", bid.Strategy, options.MaxStrategyBytes);
            if (bid.PlanTokens < 0 || bid.PlanTokens > MaxPlanTokens)
            {
                throw Invalid(field + ".plan_tokens", $"must be between 0 and {MaxPlanTokens} (got {bid.PlanTokens})");
            }
            if (!double.IsFinite(bid.Entropy) || bid.Entropy < 0 || bid.Entropy > 1)
            {
                throw Invalid(field + ".entropy", $"must be in [0, 1] (got {bid.Entropy.ToString(CultureInfo.InvariantCulture)})");
            }
            if (!double.IsFinite(bid.CostScore))
            {
                throw Invalid(field + ".cost_score", "must be finite");
            }
            if (!double.IsFinite(bid.ValueScore))
            {
                throw Invalid(field + ".value_score", "must be finite");
            }
            if (bid.JuryScores.Count > MaxJuryScores)
            {
                throw Invalid(field + ".jury_scores", $"must hold at most {MaxJuryScores} scores (got {bid.JuryScores.Count})");
            }
            for (var j = 0; j < bid.JuryScores.Count; j++)
            {
                var jury = bid.JuryScores[j];
                var juryField = string.Create(CultureInfo.InvariantCulture, $"{field}.jury_scores[{j}]");
                Id(juryField + ".juror", jury.Juror);
                if (jury.Score is < 0 or > 5)
                {
                    throw Invalid(juryField + ".score", $"must be between 0 and 5 (got {jury.Score})");
                }
            }
        }
    }

    public static double Score(double value) =>
        double.IsFinite(value) && value >= 0 && value <= 1 ? value
            : throw Invalid("score", $"must be in [0, 1] (got {value.ToString(CultureInfo.InvariantCulture)})");

    public static long CostMicros(long value) =>
        value >= 0 && value <= MaxMicros ? value : throw Invalid("actual_cost_micros", $"must be ≥ 0 and ≤ {MaxMicros} (got {value})");
}
