#:project ../../../services/lab/Routing.Simulation/Routing.Simulation.csproj

// Prints simulated episodes per minute on this machine (all cores).
// Usage (from the repository root): dotnet run -c Release tests/Routing.Simulation.Tests/tools/measure-throughput.cs -- [episodes]
using System.Globalization;
using Routing.Simulation;

var episodes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
SimulatorThroughput.EpisodesPerMinute(SimulatorModel.Default, 20_000, 1); // warm-up (JIT, tiering)
for (var run = 0; run < 3; run++)
{
    var perMinute = SimulatorThroughput.EpisodesPerMinute(SimulatorModel.Default, episodes, 42 + (ulong)run);
    Console.WriteLine($"{episodes} episodes on {Environment.ProcessorCount} cores: {perMinute:N0} episodes/minute");
}
