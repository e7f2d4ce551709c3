using System.CommandLine;

namespace Routing.Cli.Commands;

/// <summary><c>routing train …</c>: train routers and policies from data.</summary>
public static class TrainCommand
{
    public static Command Create() => new("train", "Train routers and policies from data.")
    {
        TrainOutcomesCommand.Create(),
    };
}
