using Grpc.Core;
using Routing.Contracts.Common.V1;
using Routing.Contracts.Policy.V1;

namespace Routing.Policy.Grpc;

/// <summary>Field checks of a route request. A failure is <c>InvalidArgument</c> naming the field.</summary>
public static class RequestValidation
{
    public const int MaxCandidates = 16;

    public const int MaxNameLength = 256;

    /// <summary>Largest worst-case step cost: one million dollars, as in the budget service.</summary>
    public const long MaxMicros = 1_000_000_000_000;

    public const double MaxCostPreference = 1_000;

    /// <summary>Checks everything but the features' schema and width, which depend on the deciding model.</summary>
    public static void Route(RouteRequest request)
    {
        if (request.TaskId.Length > MaxNameLength)
        {
            throw Invalid("task_id", $"must be at most {MaxNameLength} characters (got {request.TaskId.Length})");
        }
        if (request.Features is null)
        {
            throw Invalid("features", "is required");
        }
        var candidates = request.Candidates;
        if (candidates.Count is 0 or > MaxCandidates)
        {
            throw Invalid("candidates", $"must list 1 to {MaxCandidates} models (got {candidates.Count})");
        }
        for (var i = 0; i < candidates.Count; i++)
        {
            var candidate = candidates[i];
            if (candidate.Model.Length is 0 or > MaxNameLength)
            {
                throw Invalid($"candidates[{i}].model", $"must be 1 to {MaxNameLength} characters");
            }
            if (candidate.Tier is not (ModelTier.Small or ModelTier.Large))
            {
                throw Invalid($"candidates[{i}].tier", $"must be MODEL_TIER_SMALL or MODEL_TIER_LARGE (got {candidate.Tier})");
            }
            if (candidate.WorstCaseCostMicros is < 0 or > MaxMicros)
            {
                throw Invalid($"candidates[{i}].worst_case_cost_micros", $"must be ≥ 0 and ≤ {MaxMicros} (got {candidate.WorstCaseCostMicros})");
            }
        }
        if (request.Budget is null)
        {
            throw Invalid("budget", "is required");
        }
        if (request.Budget.RemainingMicros < 0)
        {
            throw Invalid("budget.remaining_micros", $"must be ≥ 0 (got {request.Budget.RemainingMicros})");
        }
        if (request.Budget.HasLargeCallsLeft && request.Budget.LargeCallsLeft < 0)
        {
            throw Invalid("budget.large_calls_left", $"must be ≥ 0 when set (got {request.Budget.LargeCallsLeft})");
        }
        if (request.HasCostPreference && (!double.IsFinite(request.CostPreference) || request.CostPreference < 0 || request.CostPreference > MaxCostPreference))
        {
            throw Invalid("cost_preference", $"must be finite, ≥ 0 and ≤ {MaxCostPreference} (got {request.CostPreference})");
        }
    }

    /// <summary>The features must match the deciding model's schema version and width, and be finite.</summary>
    public static void Features(StepFeatures features, int schemaVersion, int width)
    {
        if (features.SchemaVersion != schemaVersion)
        {
            throw Invalid("features.schema_version",
                $"{features.SchemaVersion} does not match the serving policy's feature schema version {schemaVersion}" +
                (Routing.Features.FeatureSchema.IsKnown(features.SchemaVersion) ? "" : $" (version {features.SchemaVersion} is unknown)"));
        }
        var values = features.Values;
        if (values.Count != width)
        {
            throw Invalid("features.values", $"must hold {width} values for feature schema {schemaVersion} (got {values.Count})");
        }
        for (var i = 0; i < values.Count; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw Invalid($"features.values[{i}]", $"must be finite (got {values[i]})");
            }
        }
    }

    public static RpcException Invalid(string field, string problem) =>
        new(new Status(StatusCode.InvalidArgument, $"{field} {problem}"));
}
