using System.CommandLine;
using System.Globalization;
using Routing.Cli.Bench.Sale;
using Routing.Cli.Output;
using Routing.Sale.Training;
using Routing.Sale.Weights;
using Routing.Simulation;
using Routing.Simulation.Benchmark;

namespace Routing.Cli.Commands;

/// <summary>
/// <c>routing train sale-weights</c>: fits SALE's weights (w_c, w_h, w_1..w_n) by the min–max MILP of docs/design.md §2.2.6
/// (docs/sale.md) on recorded auctions with outcomes — a JSON-lines file of training tasks, or auctions run on
/// the simulator's training tasks — and writes the versioned weights file the auction hot-reloads.
/// </summary>
public static class TrainSaleWeightsCommand
{
    public static Command Create()
    {
        var tasks = new Option<string?>("--tasks") { Description = "JSON-lines training tasks (bid features per agent and the agents that solved the task). Default: run auctions on simulator training tasks." };
        var simulate = new Option<int>("--simulate-tasks-per-cell") { Description = "Without --tasks: simulator training tasks per domain × bin cell.", DefaultValueFactory = _ => 30 };
        var seed = new Option<ulong>("--seed") { Description = "Without --tasks: seed of the simulator training tasks (must differ from the benchmark's held-out seed).", DefaultValueFactory = _ => 27_182_818 };
        var output = new Option<string>("--out") { Description = "Weights file to write (JSON; written atomically so a reloading auction never reads half of it).", Required = true };
        var timeLimit = new Option<int>("--time-limit-seconds") { Description = "Solver time limit; the best weights found by then are written, with the solver's status.", DefaultValueFactory = _ => 120 };
        var version = new Option<string?>("--version") { Description = "Version recorded in the file. Default: sale-weights-<UTC timestamp>." };
        var saveTasks = new Option<string?>("--save-tasks") { Description = "Also write the simulator training tasks as JSON lines (re-fit later with --tasks)." };
        var command = new Command("sale-weights", "Fit SALE's auction weights by the min–max MILP (OR-Tools SCIP) and write the versioned weights file.")
        {
            tasks, simulate, seed, output, timeLimit, version, saveTasks,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var problems = new List<string>();
            var tasksPath = parse.GetValue(tasks);
            var perCell = parse.GetValue(simulate);
            var trainSeed = parse.GetValue(seed);
            var limit = parse.GetValue(timeLimit);
            if (tasksPath is not null && !File.Exists(tasksPath))
            {
                problems.Add($"--tasks: no file '{tasksPath}'");
            }

            if (tasksPath is null && perCell is < 1 or > 10_000)
            {
                problems.Add("--simulate-tasks-per-cell must be between 1 and 10000");
            }

            if (tasksPath is null && (trainSeed == FrontierSettings.DefaultSeed || FrontierSettings.ReservedSeeds.Contains(trainSeed)))
            {
                problems.Add($"--seed {trainSeed} is the benchmark's held-out seed or a calibration seed; train on other tasks");
            }

            if (limit is < 1 or > 86_400)
            {
                problems.Add("--time-limit-seconds must be between 1 and 86400");
            }

            if (problems.Count > 0)
            {
                problems.ForEach(Console.Error.WriteLine);
                return 2;
            }

            List<TrainingTask> training;
            IReadOnlyList<string> agents;
            if (tasksPath is not null)
            {
                try
                {
                    training = TrainingTasksFile.Read(tasksPath);
                }
                catch (InvalidDataException e)
                {
                    Console.Error.WriteLine("--tasks: " + e.Message);
                    return 2;
                }

                agents = [.. training.SelectMany(t => t.Bids.SelectMany(b => b.Votes.Select(v => v.Juror).Append(b.Bidder))).Distinct().Order(StringComparer.Ordinal)];
            }
            else
            {
                var world = new SimulatedSaleWorld(SimulatorModel.Default, trainSeed);
                List<TrainingTask>? collected = null;
                await StandardErrorProgress.Create().StartAsync(async context =>
                {
                    var bar = context.AddTask("simulator training auctions", maxValue: perCell * 10);
                    collected = await world.CollectTrainingAsync(perCell, (done, _) => bar.Value = done, cancellationToken);
                });
                training = collected!;
                agents = [.. world.Agents.Select(a => a.Name)];
                if (parse.GetValue(saveTasks) is { } save)
                {
                    TrainingTasksFile.Write(save, training);
                }
            }

            var options = new FitOptions { TimeLimit = TimeSpan.FromSeconds(limit) };
            if (parse.GetValue(version) is { } v)
            {
                options = options with { Version = v };
            }

            var result = SaleWeightFitter.Fit(training, agents, options);
            SaleWeightsFile.Write(parse.GetValue(output)!, result.Weights);
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(inv, $"solver {result.Weights.Training!.Solver}: {result.Status}, objective {result.Objective:0.####} (warm start {result.StartObjective:0.####}), worst winner C−V {result.WorstWinnerScore:0.####}"));
            Console.WriteLine(string.Create(inv, $"training tasks {training.Count}: winner solved {result.SolverPicked}, cheapest solver picked {result.CheapestSolverPicked} of {result.TasksWithSolver} solvable"));
            Console.WriteLine("wins per agent: " + string.Join(", ", agents.Select(a => string.Create(inv, $"{a} {result.Wins.GetValueOrDefault(a)}"))));
            Console.WriteLine(string.Create(inv, $"weights {result.Weights.Version}: w_c {result.Weights.Cost:0.####}, w_h {result.Weights.Entropy:0.####}, ") + string.Join(", ", result.Weights.Jurors.Select(j => string.Create(inv, $"w[{j.Key}] {j.Value:0.####}"))));
            Console.WriteLine($"wrote {parse.GetValue(output)}");
            return 0;
        });
        return command;
    }
}
