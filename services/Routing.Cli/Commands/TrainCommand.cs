using System.CommandLine;

namespace Routing.Cli.Commands;

/// <summary><c>routing train …</c>: fit the models and weights the services load.</summary>
public static class TrainCommand
{
    public static Command Create() => new("train", "Fit the models and weights the services load (versioned files).")
    {
        TrainSaleWeightsCommand.Create(),
    };
}
