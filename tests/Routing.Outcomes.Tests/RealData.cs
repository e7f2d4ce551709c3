namespace Routing.Outcomes.Tests;

/// <summary>
/// Where the real outcome files live: the folder <c>ROUTING_OUTCOME_DATA</c> names (docs/benchmarks.md, "Real outcome
/// data", lists the files). The data is not part of the repository; tests that need it skip when it is absent.
/// </summary>
internal static class RealData
{
    public static string? Directory { get; } = Find();

    public static string SkipMessage => "real outcome data not found: set ROUTING_OUTCOME_DATA to a folder holding dcrouter.models.json, dcrouter.train.jsonl, dcrouter.test.jsonl, routerarena.jsonl and routerarena.models.json (docs/benchmarks.md, \"Real outcome data\")";

    public static string File(string name) => Path.Combine(Directory!, name);

    private static string? Find() =>
        Environment.GetEnvironmentVariable("ROUTING_OUTCOME_DATA") is { Length: > 0 } configured
            && System.IO.File.Exists(Path.Combine(configured, "dcrouter.models.json"))
            ? configured
            : null;
}
