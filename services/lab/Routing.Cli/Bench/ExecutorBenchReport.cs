using System.Text.Json.Serialization;

namespace Routing.Cli.Bench;

/// <summary>
/// One path of the executor benchmark: steps per second and per-step latency over all callers, and what a step
/// costs the whole process (every service, Garnet and the load generator run in it): CPU time and bytes allocated
/// per step, and the garbage collections during the path.
/// </summary>
public sealed record ExecutorPathSummary(
    string Path,
    [property: JsonPropertyName("steps_per_s")] double StepsPerSecond,
    [property: JsonPropertyName("p50_ms")] double P50Ms,
    [property: JsonPropertyName("p99_ms")] double P99Ms,
    long Steps,
    long Errors,
    [property: JsonPropertyName("cpu_ms_per_step")] double CpuMsPerStep,
    [property: JsonPropertyName("allocated_kb_per_step")] double AllocatedKbPerStep,
    [property: JsonPropertyName("gen0_collections")] int Gen0Collections,
    [property: JsonPropertyName("gen2_collections")] int Gen2Collections);

/// <summary>
/// <c>routing bench executor</c>: the same instant backend called directly (the production HTTP backend client)
/// and through the executor (gRPC Step: features, policy, reserve, backend, commit, log); added = executor − direct.
/// </summary>
public sealed record ExecutorBenchReport(
    string Benchmark,
    int Callers,
    [property: JsonPropertyName("seconds_per_path")] double SecondsPerPath,
    [property: JsonPropertyName("warmup_seconds")] double WarmupSeconds,
    string Redis,
    ExecutorPathSummary Direct,
    ExecutorPathSummary Executor,
    [property: JsonPropertyName("added_p50_ms")] double AddedP50Ms,
    [property: JsonPropertyName("added_p99_ms")] double AddedP99Ms,
    [property: JsonPropertyName("overrun_micros")] long OverrunMicros,
    [property: JsonPropertyName("executor_redis_ops_per_step")] double ExecutorRedisOpsPerStep,
    [property: JsonPropertyName("budget_redis_ops_per_step")] double BudgetRedisOpsPerStep);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ExecutorBenchReport))]
public sealed partial class ExecutorBenchJsonContext : JsonSerializerContext;
