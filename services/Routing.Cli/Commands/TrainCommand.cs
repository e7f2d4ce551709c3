using System.CommandLine;
using Routing.Cli.Training;

namespace Routing.Cli.Commands;

/// <summary><c>routing train …</c>: train routing policies (results are written as model directories or files).</summary>
public static class TrainCommand
{
    public static Command Create() => new("train", "Train routing policies.")
    {
        TrainPolicyCommand.Create(),
    };
}
