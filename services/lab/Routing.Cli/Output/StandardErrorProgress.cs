using Spectre.Console;

namespace Routing.Cli.Output;

/// <summary>
/// Progress bars on standard error, so that standard output stays clean for tables and the last-line JSON
/// that scripts read.
/// </summary>
public static class StandardErrorProgress
{
    public static Progress Create() =>
        AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) })
            .Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn());
}
