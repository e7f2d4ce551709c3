namespace Routing.Outcomes.Tests;

/// <summary>
/// Where the real outcome files live (../shared/data, see its README): ROUTING_OUTCOME_DATA, or the first
/// <c>shared/data</c> holding them found walking up from the test assembly. Tests that need them skip when absent.
/// </summary>
internal static class RealData
{
    public static string? Directory { get; } = Find();

    public static string SkipMessage => "real outcome data not found: set ROUTING_OUTCOME_DATA to the folder holding dcrouter.models.json (../shared/data)";

    public static string File(string name) => Path.Combine(Directory!, name);

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable("ROUTING_OUTCOME_DATA") is { Length: > 0 } configured)
        {
            return System.IO.File.Exists(Path.Combine(configured, "dcrouter.models.json")) ? configured : null;
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "shared", "data");
            if (System.IO.File.Exists(Path.Combine(candidate, "dcrouter.models.json")))
            {
                return candidate;
            }
        }

        return null;
    }
}
