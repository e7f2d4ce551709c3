using System.Text.Json.Serialization;

namespace Routing.Cli.Bench;

/// <summary>One target at one concurrency.</summary>
public sealed record PolicyPhase(
    string Target,
    int Callers,
    [property: JsonPropertyName("requests_per_s")] double RequestsPerSecond,
    [property: JsonPropertyName("p50_us")] double P50Micros,
    [property: JsonPropertyName("p99_us")] double P99Micros,
    long Requests,
    long Errors);

/// <summary>ONNX Runtime alone: rows per second at one batch size.</summary>
public sealed record OrtBatchFigure(
    string Model,
    [property: JsonPropertyName("batch")] int BatchSize,
    [property: JsonPropertyName("rows_per_s")] double RowsPerSecond,
    [property: JsonPropertyName("us_per_run")] double MicrosPerRun);

/// <summary>The policy benchmark's result: gRPC echo (the limit), the policy with and without batching, and raw ORT.</summary>
public sealed record PolicyBenchReport(
    string Benchmark,
    [property: JsonPropertyName("seconds_per_phase")] double SecondsPerPhase,
    int Rounds,
    [property: JsonPropertyName("processor_count")] int ProcessorCount,
    [property: JsonPropertyName("execution_provider")] string ExecutionProvider,
    IReadOnlyList<PolicyPhase> Phases,
    IReadOnlyList<OrtBatchFigure> Ort,
    [property: JsonPropertyName("throughput_ratio_at_64")] double ThroughputRatioAt64,
    [property: JsonPropertyName("p99_ratio_at_64")] double P99RatioAt64);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(PolicyBenchReport))]
public sealed partial class PolicyBenchJsonContext : JsonSerializerContext;
