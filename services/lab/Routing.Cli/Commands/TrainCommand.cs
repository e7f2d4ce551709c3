using System.CommandLine;
using Routing.Cli.Training;

namespace Routing.Cli.Commands;

/// <summary><c>routing train …</c>: fit the routers, policies and weights the services load (versioned files).</summary>
public static class TrainCommand
{
    public static Command Create() => new("train", "Train routers, policies and auction weights from data (results are versioned model directories or files).")
    {
        TrainPolicyCommand.Create(),
        TrainOutcomesCommand.Create(),
        TrainSaleWeightsCommand.Create(),
    };
}
