#:project ../../../services/lab/Routing.Simulation/Routing.Simulation.csproj

// Re-fits the simulator to the calibration targets and rewrites the shipped parameters file.
// Usage (from the repository root):
//   dotnet run tests/Routing.Simulation.Tests/tools/fit-sim-params.cs -- [targets.json] [episodesPerCell] [seed]
using System.Diagnostics;
using System.Globalization;
using Routing.Simulation;
using Routing.Simulation.Calibration;

var targetsPath = args.Length > 0 ? args[0] : "services/lab/Routing.Simulation/Calibration/hst-targets.json";
var episodes = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20_000;
var seed = args.Length > 2 ? ulong.Parse(args[2], CultureInfo.InvariantCulture) : 20_260_501UL;
var output = "services/lab/Routing.Simulation/Calibration/sim-params.v1.json";

var targets = CalibrationTargets.Load(targetsPath);
var clock = Stopwatch.StartNew();
var fit = SimulatorCalibration.Fit(targets, seed, episodes, new Progress<string>(Console.Error.WriteLine));
File.WriteAllText(output, SimulatorModel.SerializeParameters(fit.Parameters) + "\n");
Console.WriteLine($"fitted in {clock.Elapsed.TotalSeconds:0.0}s; max |error| {fit.MaxAbsError:0.00} points; wrote {output}");
foreach (var c in fit.Cells)
{
    Console.WriteLine($"{c.Domain,-7} bin {c.Bin} {c.Agent,-10} target {c.Target,5:0.0}  sim {c.Simulated,5:0.0}  err {c.Error,5:+0.0;-0.0;0.0}  structural-only {c.StructuralOnly,5:0.0}");
}
foreach (var o in fit.Oracle)
{
    Console.WriteLine($"{o.Domain,-7} pool oracle target {o.Target,5:0.0}  sim {o.Simulated,5:0.0}  err {o.Error,5:+0.0;-0.0;0.0}  always-largest {o.Largest,5:0.0}  affinity spread {o.AffinitySpread:0.000}");
}
