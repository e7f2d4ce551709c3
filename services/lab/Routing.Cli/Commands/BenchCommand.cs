using System.CommandLine;
using Routing.Cli.Bench;
using Routing.Cli.Bench.Reservation;
using Routing.Cli.Bench.Chaos;

namespace Routing.Cli.Commands;

/// <summary><c>routing bench …</c>: benchmarks reported as ratios to a baseline measured in the same run.</summary>
public static class BenchCommand
{
    public static Command Create() => new("bench", "Benchmarks, each against a baseline run side by side on the same machine.")
    {
        BudgetBenchCommand.Create(),
        PolicyBenchCommand.Create(),
        MemoryBenchCommand.Create(),
        RoutingBenchCommand.Create(),
        ExecutorBenchCommand.Create(),
        ReservationBenchCommand.Create(),
        ChaosBenchCommand.Create(),
    };
}
