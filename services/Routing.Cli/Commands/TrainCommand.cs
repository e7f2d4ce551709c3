using System.CommandLine;
using Routing.Cli.Training;

namespace Routing.Cli.Commands;

/// <summary><c>routing train …</c>: train routers and policies from data (results are written as model directories or files).</summary>
public static class TrainCommand
{
    public static Command Create() => new("train", "Train routers and policies from data.")
    {
        TrainPolicyCommand.Create(),
        TrainOutcomesCommand.Create(),
    };
}
