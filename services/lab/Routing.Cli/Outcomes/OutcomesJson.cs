using System.Text.Json;
using System.Text.Json.Serialization;
using Routing.Outcomes.Evaluation;
using Routing.Outcomes.Training;

namespace Routing.Cli.Outcomes;

/// <summary>The <c>--json</c> line of <c>routing eval outcomes</c>: the full report (every λ) and where the router came from.</summary>
public static class OutcomesJson
{
    public static string Serialize(EvaluationReport report, RouterProvenance provenance) =>
        JsonSerializer.Serialize(new OutcomesEvalJson("eval outcomes", "real recorded outcomes", provenance, report), OutcomesJsonContext.Default.OutcomesEvalJson);
}

public sealed record OutcomesEvalJson(string Command, string Data, RouterProvenance Router, EvaluationReport Report);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(OutcomesEvalJson))]
[JsonSerializable(typeof(ComparisonEvalJson))]
public sealed partial class OutcomesJsonContext : JsonSerializerContext;

/// <summary>The <c>--json</c> line of <c>eval outcomes --compare</c>.</summary>
public static class ComparisonJson
{
    public static string Serialize(Routing.Outcomes.Routers.ComparisonReport report) =>
        JsonSerializer.Serialize(new ComparisonEvalJson("eval outcomes --compare", "real recorded outcomes", report), OutcomesJsonContext.Default.ComparisonEvalJson);
}

public sealed record ComparisonEvalJson(string Command, string Data, Routing.Outcomes.Routers.ComparisonReport Report);
