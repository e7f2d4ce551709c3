using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Routing.Cli.Output;
using Routing.Simulation;
using Routing.Simulation.Calibration;
using Routing.Simulation.Server;
using Spectre.Console;

namespace Routing.Cli.Commands;

/// <summary>
/// <c>routing sim …</c>: the agent simulator. <c>serve</c> exposes it as an OpenAI-compatible chat-completions
/// backend on loopback; <c>fit</c> re-fits its parameters to the calibration targets and writes the params file.
/// </summary>
public static class SimCommand
{
    /// <summary>Where the shipped parameters file lives, relative to the repository root.</summary>
    public const string ShippedParamsPath = "services/lab/Routing.Simulation/Calibration/sim-params.v1.json";

    /// <summary>The calibration targets the shipped parameters were fitted to, relative to the repository root (docs/simulator.md).</summary>
    public const string CommittedTargetsPath = "services/lab/Routing.Simulation/Calibration/hst-targets.json";

    public static Command Create() => new("sim", "The agent simulator: serve it as a chat-completions backend, or re-fit its parameters.")
    {
        CreateServe(),
        CreateFit(),
    };

    private static Command CreateServe()
    {
        var port = new Option<int>("--port") { Description = "Loopback port (0 picks a free one).", DefaultValueFactory = _ => 8081 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the served task set: the same seed and calls give the same answers.", DefaultValueFactory = _ => SimulatorServerOptions.DefaultSeed };
        var parameters = new Option<string?>("--params") { Description = "Simulator parameters file (default: the fitted file shipped in the assembly)." };
        var maxBody = new Option<long>("--max-body-bytes") { Description = "Largest request body accepted (larger: HTTP 413).", DefaultValueFactory = _ => 1 << 20 };
        var maxTasks = new Option<int>("--max-tasks") { Description = "Most task episodes held in memory (more: HTTP 429).", DefaultValueFactory = _ => 100_000 };
        var command = new Command("serve", "Serve the simulator as an OpenAI-compatible backend on 127.0.0.1: POST /v1/chat/completions (task id in X-Routing-Task-Id or metadata.task_id), GET /v1/models.")
        {
            port, seed, parameters, maxBody, maxTasks,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var paramsPath = parse.GetValue(parameters);
            SimulatorModel model;
            try
            {
                model = paramsPath is null ? SimulatorModel.Default : new SimulatorModel(SimulatorModel.ParseParameters(await File.ReadAllTextAsync(paramsPath, cancellationToken)));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or ArgumentException or InvalidOperationException)
            {
                Console.Error.WriteLine($"--params {paramsPath}: {e.Message}");
                return 2;
            }

            var options = new SimulatorServerOptions
            {
                Port = parse.GetValue(port),
                Seed = parse.GetValue(seed),
                MaxRequestBodyBytes = parse.GetValue(maxBody),
                MaxTasks = parse.GetValue(maxTasks),
                Model = model,
            };
            var problems = options.Validate();
            if (problems.Count > 0)
            {
                problems.ForEach(Console.Error.WriteLine);
                return 2;
            }

            SimulatorServer server;
            try
            {
                server = await SimulatorServer.StartAsync(options, cancellationToken);
            }
            catch (IOException e)
            {
                Console.Error.WriteLine($"could not listen on 127.0.0.1:{options.Port}: {e.Message}");
                return 1;
            }

            await using (server)
            {
                var table = new Table().AddColumns("model", "$ in / M tok", "$ out / M tok");
                for (var i = 0; i < server.Backend.Pool.Count; i++)
                {
                    var agent = server.Backend.Pool[i];
                    table.AddRow(agent.Name, (agent.PriceInMicrosPerMTok / 1e6).ToString("0.00", CultureInfo.InvariantCulture), (agent.PriceOutMicrosPerMTok / 1e6).ToString("0.00", CultureInfo.InvariantCulture));
                }

                AnsiConsole.Write(table);
                AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "Simulated agents (seed {0}; simulator figures, not real models). Task ids: [bold]{{search|coding}}-{{bin 0..4}}-{{index}}[[.attempt]][/]. Press [bold]Ctrl-C[/] to stop.", options.Seed);
                // A plain line that scripts and tests can wait for; clients use this base URL.
                Console.WriteLine($"READY base_url={server.Address}v1");
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    Console.Error.WriteLine("stopping");
                }
            }

            return 0;
        });
        return command;
    }

    private static Command CreateFit()
    {
        var targets = new Option<string>("--targets") { Description = "Calibration targets (HST-Bench per-bin pass@1).", DefaultValueFactory = _ => CommittedTargetsPath };
        var episodes = new Option<int>("--episodes-per-cell") { Description = "Episodes per (domain, bin, agent) cell and bisection step (≥ 100).", DefaultValueFactory = _ => 20_000 };
        var seed = new Option<ulong>("--seed") { Description = "Fit seed; the fit is measured on seed + 1.", DefaultValueFactory = _ => 20_260_501 };
        var output = new Option<string>("--out") { Description = "Parameters file to write.", DefaultValueFactory = _ => ShippedParamsPath };
        var command = new Command("fit", "Fit the simulator to the calibration targets and write the parameters file (shipped fit: seed 20260501, 10,000 episodes per cell).")
        {
            targets, episodes, seed, output,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var targetsPath = parse.GetValue(targets)!;
            var perCell = parse.GetValue(episodes);
            var outputPath = parse.GetValue(output)!;
            if (perCell < 100)
            {
                Console.Error.WriteLine("--episodes-per-cell must be at least 100");
                return Task.FromResult(2);
            }

            if (!File.Exists(targetsPath))
            {
                Console.Error.WriteLine($"--targets {targetsPath}: no such file (the committed targets are {CommittedTargetsPath}, relative to the repository root)");
                return Task.FromResult(2);
            }

            CalibrationTargets loaded;
            try
            {
                loaded = CalibrationTargets.Load(targetsPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or FormatException or KeyNotFoundException or ArgumentException or InvalidOperationException)
            {
                Console.Error.WriteLine($"--targets {targetsPath}: {e.Message}");
                return Task.FromResult(2);
            }

            var clock = Stopwatch.StartNew();
            var cells = loaded.PassAt1.Sum(d => d.Value.Count * Simulation.Tasks.TaskSpace.BinCount);
            CalibrationFitResult? fit = null;
            StandardErrorProgress.Create()
                .Start(context =>
                {
                    var bar = context.AddTask("fitting", maxValue: SimulatorCalibration.ProgressSteps(loaded));
                    fit = SimulatorCalibration.Fit(loaded, parse.GetValue(seed), perCell, new BarProgress(bar));
                    bar.Value = bar.MaxValue;
                });

            var directory = Path.GetDirectoryName(Path.GetFullPath(outputPath));
            if (directory is not null)
            {
                Directory.CreateDirectory(directory);
            }

            File.WriteAllText(outputPath, SimulatorModel.SerializeParameters(fit!.Parameters) + "\n");
            var table = new Table().AddColumns("domain", "bin", "agent", "target %", "simulated %", "error");
            foreach (var c in fit.Cells)
            {
                table.AddRow(c.Domain, c.Bin.ToString(CultureInfo.InvariantCulture), c.Agent, c.Target.ToString("0.0", CultureInfo.InvariantCulture), c.Simulated.ToString("0.0", CultureInfo.InvariantCulture), c.Error.ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture));
            }

            AnsiConsole.Write(table);
            foreach (var o in fit.Oracle)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{o.Domain} pool oracle {o.Simulated:0.0} % (target {o.Target:0.0}, always-largest {o.Largest:0.0}) at affinity spread {o.AffinitySpread:0.000}"));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fitted {cells} cells in {clock.Elapsed.TotalSeconds:0.0}s; max |error| {fit.MaxAbsError:0.00} points; wrote {outputPath}"));
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>Moves the bar one step per message of the fit (<see cref="SimulatorCalibration.ProgressSteps"/>); called from worker threads.</summary>
    private sealed class BarProgress(ProgressTask bar) : IProgress<string>
    {
        public void Report(string value)
        {
            bar.Description = Markup.Escape(value);
            bar.Increment(1);
        }
    }
}
