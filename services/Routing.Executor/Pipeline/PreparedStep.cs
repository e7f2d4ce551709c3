using Routing.Backends;
using Routing.Contracts.Executor.V1;

namespace Routing.Executor.Pipeline;

/// <summary>A step that is routed and reserved: what is left is the backend call and its commit or release.</summary>
public sealed class PreparedStep
{
    public required string Tenant { get; init; }

    public required string TaskId { get; init; }

    public required int StepIndex { get; init; }

    public required AgentDefinition Agent { get; init; }

    /// <summary>The highest tier in the pool the step was routed in, so the episode log says which agent was the largest.</summary>
    public required int LargestTier { get; init; }

    public required IChatBackend Backend { get; init; }

    public required ChatCall Call { get; init; }

    public required RoutingDecision Decision { get; init; }

    public required double? CostPreference { get; init; }

    public required float[] Features { get; init; }

    public required string ReservationId { get; init; }

    public required long ReservedMicros { get; init; }

    /// <summary>Set when the caller gave an idempotency key: the replay record to fill or free.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>With <see cref="IdempotencyKey"/>: the request's fingerprint, kept in the claim record (its fingerprint field).</summary>
    public string? Fingerprint { get; init; }

    /// <summary>The chat completion's id, kept in the replay record so that a replay answers the same id.</summary>
    public required string CompletionId { get; init; }

    /// <summary>With a key: this attempt's claim, heartbeating until the step is recorded.</summary>
    public Tasks.StepClaim? Claim { get; init; }

    /// <summary><see cref="System.Diagnostics.Stopwatch"/> timestamp of the step's start.</summary>
    public required long StartedAt { get; init; }
}

/// <summary>Either a prepared step to run, or the stored answer of an earlier attempt with the same key.</summary>
public readonly record struct StepStart(PreparedStep? Prepared, StepResponse? Replay);
