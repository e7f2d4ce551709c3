using System.Text.Json.Serialization;

namespace Routing.Cli.Bench.Chaos;

/// <summary>
/// <c>routing bench chaos</c>: what kill -9 of <c>routing up</c> and of redis-server during keyed steps did to
/// answers, model calls and ledgers. Targets: every key answered, and zero repeated model calls after an answered
/// call, zero tasks whose ledger is below the cost of their backend calls, zero tasks above their limit.
/// </summary>
public sealed record ChaosReport(
    string Benchmark,
    ulong Seed,
    int Cycles,
    int Tasks,
    [property: JsonPropertyName("steps_per_task")] int StepsPerTask,
    [property: JsonPropertyName("backend_delay_ms")] int BackendDelayMs,
    [property: JsonPropertyName("attempt_timeout_ms")] int AttemptTimeoutMs,
    [property: JsonPropertyName("limit_micros")] long LimitMicros,
    [property: JsonPropertyName("call_cost_micros")] long CallCostMicros,
    [property: JsonPropertyName("kills_routing_up")] int KillsRoutingUp,
    [property: JsonPropertyName("kills_redis")] int KillsRedis,
    int Keys,
    int Answered,
    int Refused,
    int Replays,
    [property: JsonPropertyName("model_calls")] int ModelCalls,
    [property: JsonPropertyName("abandoned_model_calls")] int AbandonedModelCalls,
    [property: JsonPropertyName("repeated_model_calls")] int RepeatedModelCalls,
    [property: JsonPropertyName("repeated_after_answered_call")] int RepeatedAfterAnsweredCall,
    [property: JsonPropertyName("concurrent_model_calls")] int ConcurrentModelCalls,
    [property: JsonPropertyName("wrong_answers")] int WrongAnswers,
    [property: JsonPropertyName("ledger_tasks")] int LedgerTasks,
    [property: JsonPropertyName("tasks_below_backend_cost")] int TasksBelowBackendCost,
    [property: JsonPropertyName("tasks_above_limit")] int TasksAboveLimit,
    [property: JsonPropertyName("backend_cost_micros")] long BackendCostMicros,
    [property: JsonPropertyName("committed_micros")] long CommittedMicros,
    [property: JsonPropertyName("reservations_unknown_outcome")] int ReservationsUnknownOutcome,
    [property: JsonPropertyName("longest_wait_after_restart_ms")] double LongestWaitAfterRestartMs,
    [property: JsonPropertyName("longest_wait_after_routing_up_restart_ms")] double LongestWaitAfterRoutingUpRestartMs,
    [property: JsonPropertyName("longest_wait_after_redis_restart_ms")] double LongestWaitAfterRedisRestartMs,
    [property: JsonPropertyName("mean_routing_up_restart_ms")] double MeanRoutingUpRestartMs,
    [property: JsonPropertyName("retried_statuses")] IReadOnlyDictionary<string, int> RetriedStatuses,
    IReadOnlyList<string> Problems)
{
    /// <summary>Every target met: all keys answered, no repeated call after an answer, no ledger below cost or above limit.</summary>
    [JsonPropertyName("targets_met")]
    public bool TargetsMet => Problems.Count == 0;
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ChaosReport))]
public sealed partial class ChaosBenchJsonContext : JsonSerializerContext;
