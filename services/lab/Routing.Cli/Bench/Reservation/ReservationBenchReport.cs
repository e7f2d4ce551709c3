using System.Text.Json.Serialization;

namespace Routing.Cli.Bench.Reservation;

/// <summary>Reserved ÷ real: median, 90th percentile and maximum over the steps.</summary>
public sealed record RatioSummary(double P50, double P90, double Max);

/// <summary>One way of bounding the input ("before": the byte bound; "after": the agent's tokenizer).</summary>
/// <param name="Cost">Reserved µ$ ÷ real µ$ per step.</param>
/// <param name="Input">Reserved input tokens ÷ real input tokens per step.</param>
/// <param name="UnderReservations">Steps whose reservation is below their real cost: an overrun; must be 0.</param>
/// <param name="InputUnderReservations">Steps whose input bound is below their real input tokens; must be 0.</param>
/// <param name="False402s">Per <see cref="ReservationBenchReport.RemainingOverReal"/>: steps refused although their real cost fitted.</param>
public sealed record ReservationSide(
    string Name, RatioSummary Cost, RatioSummary Input, int UnderReservations, int InputUnderReservations,
    [property: JsonPropertyName("false_402s")] IReadOnlyList<int> False402s);

/// <summary>The result of <c>routing bench reservation</c>.</summary>
/// <param name="Fitting">Per ratio: steps whose real cost fits the remaining money (the denominator of a false-402 rate).</param>
public sealed record ReservationBenchReport(
    string Benchmark, string Source, int Conversations, int Steps, int MaxTokens,
    long PriceInMicrosPerMTok, long PriceOutMicrosPerMTok, long MeanRealCostMicros,
    IReadOnlyList<double> RemainingOverReal, IReadOnlyList<int> Fitting, ReservationSide ByteBound, ReservationSide Tokenizer)
{
    /// <summary>False 402s as a share of the steps that fit, per ratio (0 where none fits).</summary>
    public static IReadOnlyList<double> Rates(ReservationSide side, IReadOnlyList<int> fitting)
    {
        ArgumentNullException.ThrowIfNull(side);
        ArgumentNullException.ThrowIfNull(fitting);
        return [.. side.False402s.Select((n, i) => fitting[i] == 0 ? 0 : (double)n / fitting[i])];
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ReservationBenchReport))]
public sealed partial class ReservationBenchJsonContext : JsonSerializerContext;
