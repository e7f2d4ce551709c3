using Routing.Contracts.Common.V1;
using Routing.ServiceDefaults.Grpc;
using static Routing.ServiceDefaults.Grpc.FieldValidation;

namespace Routing.Budget.Grpc;

/// <summary>Field checks of the budget RPCs beyond the shared ones (<see cref="FieldValidation"/>).</summary>
public static class RequestValidation
{
    public const long MaxMicros = FieldValidation.MaxMicros;

    /// <summary>Largest tenant ceiling: ten million dollars per window.</summary>
    public const long MaxCeilingMicros = 10 * MaxMicros;

    public static long PositiveMicros(string field, long value, long max = MaxMicros) =>
        value > 0 && value <= max ? value : throw Invalid(field, $"must be > 0 and ≤ {max} (got {value})");

    public static long NonNegativeMicros(string field, long value, long max = MaxMicros) =>
        value >= 0 && value <= max ? value : throw Invalid(field, $"must be ≥ 0 and ≤ {max} (got {value})");

    /// <summary>0 means the service default; otherwise between <paramref name="min"/> and <paramref name="max"/>.</summary>
    public static int SecondsOrDefault(string field, int value, int defaultValue, int min, int max)
    {
        if (value == 0)
        {
            return defaultValue;
        }
        return value >= min && value <= max ? value : throw Invalid(field, $"must be 0 (default) or between {min} and {max} (got {value})");
    }

    /// <summary>The tiers the ledger knows; UNSPECIFIED counts as small (callers from before tiers existed).</summary>
    public static ModelTier Tier(ModelTier tier) => tier is ModelTier.Unspecified or ModelTier.Small or ModelTier.Large
        ? tier
        : throw Invalid("tier", $"must be MODEL_TIER_SMALL (1) or MODEL_TIER_LARGE (2) (got {(int)tier})");

    public static int? LargeCallCap(int? value) =>
        value is null or >= 0 and <= 100_000 ? value : throw Invalid("large_call_cap", $"must be between 0 and 100000 when set (got {value})");
}
