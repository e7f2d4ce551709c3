using System.Text.Json.Serialization;

namespace Routing.Cli.Bench;

public sealed record PhaseSummary(
    string Path,
    [property: JsonPropertyName("cycles_per_s")] double CyclesPerSecond,
    [property: JsonPropertyName("p50_ms")] double P50Ms,
    [property: JsonPropertyName("p99_ms")] double P99Ms,
    long Cycles,
    long Refused,
    long Errors);

/// <summary>The budget benchmark's result; a cycle is one reserve followed by one commit.</summary>
public sealed record BudgetBenchReport(
    string Benchmark,
    int Callers,
    int Tasks,
    int Rounds,
    [property: JsonPropertyName("seconds_per_phase")] double SecondsPerPhase,
    string Redis,
    PhaseSummary Service,
    PhaseSummary Raw,
    [property: JsonPropertyName("ratio")] double Ratio,
    [property: JsonPropertyName("overspend")] long OverspendMicros,
    [property: JsonPropertyName("ledger_mismatches")] int LedgerMismatches)
{
    public static BudgetBenchReport From(BudgetBenchSettings settings, IReadOnlyList<PhaseResult> phases, string redis)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(phases);
        var service = Summarise("service", phases.Where(p => p.Client == "service").ToList());
        var raw = Summarise("raw", phases.Where(p => p.Client == "raw").ToList());
        return new BudgetBenchReport(
            "budget", settings.Callers, settings.Tasks, settings.Rounds, settings.Duration.TotalSeconds, redis, service, raw,
            raw.CyclesPerSecond == 0 ? 0 : service.CyclesPerSecond / raw.CyclesPerSecond,
            phases.Sum(p => p.OverspendMicros),
            phases.Sum(p => p.LedgerMismatches));
    }

    /// <summary>Rates over all rounds; latency percentiles are the worst round's, so a noisy round is not hidden.</summary>
    private static PhaseSummary Summarise(string path, List<PhaseResult> rounds) => new(
        path,
        rounds.Sum(r => r.Cycles) / rounds.Sum(r => r.Elapsed.TotalSeconds),
        rounds.Max(r => r.P50Ms),
        rounds.Max(r => r.P99Ms),
        rounds.Sum(r => r.Cycles),
        rounds.Sum(r => r.Refused),
        rounds.Sum(r => r.Errors));
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(BudgetBenchReport))]
public sealed partial class BenchJsonContext : JsonSerializerContext;
