namespace Routing.Simulation.Tasks;

/// <summary>
/// Task statements for logs, text features and the HTTP backend. The wording is chosen from the task seed
/// only, so it says nothing about how hard the task is.
/// </summary>
internal static class TaskDescriptions
{
    private static readonly string[] Search =
    [
        "Find the year the first bridge across the {0} river opened, citing two independent sources.",
        "Which company acquired the maker of the {0} in its first decade? Give the acquisition date.",
        "List the three most cited papers that introduced {0}, with their venues.",
        "Who chaired the committee that standardised {0}, and in which year did it publish?",
    ];

    private static readonly string[] Coding =
    [
        "Fix the failing test around {0} handling in the parser module without changing its public API.",
        "Add {0} support to the CLI, with tests, following the existing option style.",
        "The service leaks connections when {0}; find the cause and fix it with a regression test.",
        "Refactor the {0} module so that the cache is invalidated on writes; keep all tests green.",
    ];

    private static readonly string[] Topics = ["unicode", "timezone", "retry", "pagination", "streaming", "checksum", "locale", "backpressure"];

    public static string Render(in SimTask task)
    {
        var templates = task.Domain == Domain.Search ? Search : Coding;
        var template = templates[(int)(task.Seed % (ulong)templates.Length)];
        var topic = Topics[(int)((task.Seed >> 8) % (ulong)Topics.Length)];
        return string.Format(System.Globalization.CultureInfo.InvariantCulture, template, topic);
    }
}
