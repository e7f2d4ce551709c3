using System.Text.Json.Serialization;

namespace Routing.Executor.Episodes;

/// <summary>
/// One line of the episode log (docs/episodes.md): a step (<see cref="Kind"/> "step") or a task's outcome
/// ("outcome"). Field names are the JSONL the trainer reads; add fields, never rename them.
/// </summary>
public sealed record EpisodeRecord
{
    public const string StepKind = "step";
    public const string OutcomeKind = "outcome";

    /// <summary><see cref="Result"/> of a step whose executor died mid-call: settled at its reserved amount.</summary>
    public const string UnknownOutcome = "unknown_outcome";

    public required string Kind { get; init; }

    public required string Tenant { get; init; }

    public required string TaskId { get; init; }

    /// <summary>Unix time in milliseconds.</summary>
    public required long TimestampMs { get; init; }

    public int? Step { get; init; }

    public int? FeatureSchemaVersion { get; init; }

    public float[]? Features { get; init; }

    public string? Agent { get; init; }

    public string? Model { get; init; }

    /// <summary>Pool tier rank of the agent (0 = smallest).</summary>
    public int? Tier { get; init; }

    /// <summary>The highest tier of the pool at that step: with <see cref="Tier"/>, says whether the agent was the largest.</summary>
    public int? LargestTier { get; init; }

    /// <summary>policy | budget_mask | large_cap | pinned | policy_fallback.</summary>
    public string? Reason { get; init; }

    public string? PolicyVersion { get; init; }

    public float[]? Probabilities { get; init; }

    public double? CostPreference { get; init; }

    public int? PromptTokens { get; init; }

    public int? CompletionTokens { get; init; }

    public long? CostMicros { get; init; }

    public long? ReservedMicros { get; init; }

    public long? RemainingMicros { get; init; }

    /// <summary>Whole step, as the executor saw it.</summary>
    public double? LatencyMs { get; init; }

    public double? BackendLatencyMs { get; init; }

    /// <summary>
    /// ok, the backend failure (timeout, unavailable, bad_response, rejected), or unknown_outcome: the step's
    /// executor died mid-call and a retry settled its reservation at the reserved amount (what it may have cost).
    /// </summary>
    public string? Result { get; init; }

    public string? FinishReason { get; init; }

    public bool? Success { get; init; }

    public double? Score { get; init; }

    public long? LimitMicros { get; init; }

    public long? SpentMicros { get; init; }

    public int? Steps { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(EpisodeRecord))]
public sealed partial class EpisodeJsonContext : JsonSerializerContext;
