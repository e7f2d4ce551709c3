using System.Text.Json.Serialization;

namespace Routing.Cli.Bench;

/// <summary>Latency percentiles of one retrieval path over the same queries.</summary>
public sealed record RetrievalPath(
    string Path,
    [property: JsonPropertyName("p50_ms")] double P50Ms,
    [property: JsonPropertyName("p99_ms")] double P99Ms,
    [property: JsonPropertyName("mean_ms")] double MeanMs);

/// <summary>The memory benchmark at one size: inserts, retrieval paths side by side, exactness and memory.</summary>
public sealed record MemorySizeResult(
    int Records,
    [property: JsonPropertyName("stored")] long Stored,
    [property: JsonPropertyName("indexed")] int Indexed,
    int Dimension,
    [property: JsonPropertyName("insert_per_s")] double InsertsPerSecond,
    int Queries,
    int K,
    [property: JsonPropertyName("mean_candidates")] double MeanCandidates,
    IReadOnlyList<RetrievalPath> Retrieval,
    [property: JsonPropertyName("speedup_vs_naive_p99")] double SpeedupVersusNaiveP99,
    [property: JsonPropertyName("result_mismatches")] int ResultMismatches,
    [property: JsonPropertyName("index_bytes")] long IndexBytes,
    [property: JsonPropertyName("raw_vector_bytes")] long RawVectorBytes,
    [property: JsonPropertyName("memory_ratio")] double MemoryRatio);

public sealed record MemoryBenchReport(string Benchmark, string Redis, int Callers, IReadOnlyList<MemorySizeResult> Sizes);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(MemoryBenchReport))]
public sealed partial class MemoryBenchJsonContext : JsonSerializerContext;
