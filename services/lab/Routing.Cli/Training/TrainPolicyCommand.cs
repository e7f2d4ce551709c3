using System.CommandLine;
using System.Globalization;
using Routing.Cli.Bench.Sale;
using Routing.Cli.Output;
using Routing.Simulation;
using Routing.Training.Bopo;
using Routing.Training.Episodes;
using Routing.Training.Export;
using Routing.Training.Pipeline;
using Spectre.Console;

namespace Routing.Cli.Training;

/// <summary>
/// <c>routing train policy</c>: boundary rollouts, taxonomy, boundary-guided SFT and BoPO on the simulator's
/// step pair, then ONNX export (docs/training.md). Rollouts run in-process on the simulator, or are read from an
/// exported episode log (<c>--episodes</c>: SFT only, see <see cref="EpisodeLogTraining"/>), or are played through a
/// running executor (<c>--via-executor</c>: the boundary rollouts and the SFT sweep, see <see cref="ExecutorBoundarySource"/>).
/// </summary>
public static class TrainPolicyCommand
{
    /// <summary>Where <c>--via-executor</c> reads the tenant's API key when <c>--api-key</c> is not given.</summary>
    public const string ApiKeyVariable = "ROUTING_API_KEY";

    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "Hyper-parameters (JSON, snake_case; see docs/training.md). Default: the built-in configuration." };
        var tiny = new Option<bool>("--tiny") { Description = "A seconds-long configuration for CI and smoke tests (not with --config)." };
        var seed = new Option<ulong?>("--seed") { Description = "Override the configuration's seed." };
        var threads = new Option<int?>("--threads") { Description = "Worker threads (results do not depend on it)." };
        var ablations = new Option<bool>("--ablations") { Description = "Also train BoPO without the reference-guided advantage, without the hard bonus, and vanilla RL." };
        var outDir = new Option<string?>("--out") { Description = "Write every trained policy (sft-only, bopo, ablations) as DIR/<name>/ model directories (for `routing bench routing --policies DIR`)." };
        var publish = new Option<string?>("--publish") { Description = "Publish the BoPO policy into this policy-service model directory as --version." };
        var version = new Option<string>("--version") { Description = "Version name of the published model; `auto` names it t<UTC yyyyMMddHHmmss> so scheduled runs never collide.", DefaultValueFactory = _ => "v4" };
        var episodes = new Option<string?>("--episodes")
        {
            Description = "Read the boundary rollouts and SFT data from an exported episode log (`routing export episodes`) instead of the simulator; trains SFT only (BoPO needs an environment).",
        };
        var viaExecutor = new Option<string?>("--via-executor")
        {
            Description = "Play the boundary rollouts (pinned) and the SFT sweep (mixed) as RunTask episodes through the executor at this gRPC address (e.g. http://127.0.0.1:5104 from `routing up`); BoPO and validation still run in-process.",
        };
        var apiKey = new Option<string?>("--api-key") { Description = $"The tenant's API key for --via-executor (default: ${ApiKeyVariable})." };
        var concurrency = new Option<int>("--concurrency") { Description = "RunTask episodes in flight at once with --via-executor (1 to 256).", DefaultValueFactory = _ => 4 };
        var command = new Command("policy", "Train the step-routing policy with boundary guidance (boundary rollouts → taxonomy → SFT → BoPO) on the simulator, or SFT from an episode log, and export it as ONNX.")
        {
            config, tiny, seed, threads, ablations, outDir, publish, version, episodes, viaExecutor, apiKey, concurrency,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            TrainingConfig settings;
            var configPath = parse.GetValue(config);
            if (parse.GetValue(tiny) && configPath is not null)
            {
                Console.Error.WriteLine("--tiny and --config cannot be combined: --tiny is a fixed configuration");
                return 2;
            }

            try
            {
                settings = parse.GetValue(tiny) ? TrainingConfig.Tiny(new TrainingConfig().Seed)
                    : configPath is null ? new TrainingConfig()
                    : TrainingConfig.Parse(File.ReadAllText(configPath));
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
            {
                Console.Error.WriteLine($"--config {configPath}: {exception.Message}");
                return 2;
            }

            if (parse.GetValue(seed) is { } s)
            {
                settings = settings with { Seed = s };
            }

            if (parse.GetValue(threads) is { } t)
            {
                settings = settings with { Threads = t };
            }

            var episodeLog = parse.GetValue(episodes);
            var problems = episodeLog is null ? PolicyTrainingPipeline.Validate(settings) : settings.Validate();
            if (episodeLog is not null && parse.GetValue(ablations))
            {
                problems.Add("--ablations trains BoPO variants, which need fresh rollouts in an environment; --episodes trains SFT only");
            }

            var executorAddress = parse.GetValue(viaExecutor);
            var key = parse.GetValue(apiKey) ?? Environment.GetEnvironmentVariable(ApiKeyVariable);
            if (executorAddress is not null)
            {
                if (episodeLog is not null)
                {
                    problems.Add("--via-executor and --episodes are two sources of boundary rollouts; choose one");
                }
                if (string.IsNullOrEmpty(key))
                {
                    problems.Add($"--via-executor needs the tenant's API key: --api-key or ${ApiKeyVariable} (`routing up` prints it)");
                }
            }
            if (parse.GetValue(concurrency) is < 1 or > 256)
            {
                problems.Add("--concurrency must be between 1 and 256");
            }

            var versionName = parse.GetValue(version) ?? "v4";
            if (versionName == "auto")
            {
                // A CronJob publishes into the same volume every run and versions are immutable: a timestamp keeps them apart.
                versionName = "t" + DateTime.UtcNow.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);
            }

            if (!System.Text.RegularExpressions.Regex.IsMatch(versionName, "^[A-Za-z0-9._-]{1,64}$"))
            {
                problems.Add("--version must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_', '-'");
            }

            var publishDir = parse.GetValue(publish);
            if (publishDir is not null && Directory.Exists(Path.Combine(publishDir, versionName)))
            {
                problems.Add($"--publish: version {versionName} already exists in {publishDir}; versions are immutable, choose another --version");
            }

            if (problems.Count > 0)
            {
                foreach (var problem in problems)
                {
                    Console.Error.WriteLine(problem);
                }

                return 2;
            }

            var variants = parse.GetValue(ablations) ? BopoVariant.All : [BopoVariant.Full];
            TrainingResult? result = null;
            EpisodeLogTrainingData? logged = null;
            ExecutorBoundarySource? executor = null;
            try
            {
                if (executorAddress is not null)
                {
                    executor = await ExecutorBoundarySource.ConnectAsync(executorAddress, key!, settings.Seed, parse.GetValue(concurrency), cancellationToken);
                    Console.Error.WriteLine($"through {executor.Description}: the boundary rollouts and the SFT sweep; in-process on the simulator: BoPO's group rollouts and validation");
                }

                var auctions = episodeLog is null && settings.AuctionShare > 0 ? new StepPairAuctions(SimulatorModel.Default, settings.AuctionShare) : null;
                if (auctions is not null)
                {
                    await auctions.PrepareWithProgressAsync(
                        [(settings.Seed, settings.TrainingTasksPerCell, "training"), (settings.Seed + 1, settings.ValidationTasksPerCell, "validation")], cancellationToken);
                }

                StandardErrorProgress.Create().Start(context =>
                {
                    var reporter = new SpectreTrainingReporter(context);
                    if (episodeLog is null)
                    {
                        result = PolicyTrainingPipeline.Run(settings, variants, reporter, cancellationToken, executor, auctions);
                    }
                    else
                    {
                        (result, logged) = EpisodeLogTraining.Run(settings, episodeLog, reporter);
                    }
                });
            }
            catch (EpisodeLogException e)
            {
                Console.Error.WriteLine($"--episodes {e.Message}");
                return 2;
            }
            catch (ExecutorRolloutException e)
            {
                Console.Error.WriteLine($"--via-executor: {e.Message}");
                return 2;
            }
            finally
            {
                executor?.Dispose();
            }

            if (logged is null)
            {
                Print(result!);
            }
            else
            {
                EpisodeLogSummary.Print(result!, logged);
            }

            var commandLine = "routing " + string.Join(' ', parse.Tokens.Select(token => token.Value));
            if (parse.GetValue(outDir) is { } dir)
            {
                foreach (var policy in result!.Policies)
                {
                    TrainedPolicyExport.Write(Path.Combine(dir, policy.Name), policy, result, commandLine);
                }

                Console.Error.WriteLine($"wrote {result!.Policies.Count} policies under {dir}");
            }

            if (publishDir is not null)
            {
                Directory.CreateDirectory(publishDir);
                // From an episode log only the SFT policy exists (BoPO needs an environment).
                var bopo = result!.Policies.FirstOrDefault(p => p.Name == BopoVariant.Full.Name) ?? result.Policies[0];
                var target = TrainedPolicyExport.Publish(publishDir, versionName, bopo, result, commandLine);
                Console.Error.WriteLine($"published {target}");
            }

            return 0;
        });
        return command;
    }

    private static void Print(TrainingResult result)
    {
        var inv = CultureInfo.InvariantCulture;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        console.MarkupLine(inv, "[bold]Policy training — SIMULATOR[/] (step pair gpt-4.1-mini → gpt-4.1-like) · seed {0} · {1:F0} s",
            result.Config.Seed, result.Elapsed.TotalSeconds);
        console.MarkupLine(inv, "{0}",
            Markup.Escape(result.BoundarySource is { } source
                ? $"boundary rollouts and SFT sweep: through {source}; BoPO group rollouts and validation: in-process on the simulator"
                : "every stage in-process on the simulator"));
        console.MarkupLine(inv, "difficulty taxonomy of {0} training tasks: easy {1} · hard {2} · intractable {3} · SFT steps {4}",
            result.Boundary.Count, result.ClassCounts[0], result.ClassCounts[1], result.ClassCounts[2], result.SftSamples);
        var table = new Table().AddColumns("validation (greedy, simulator)", "success %", "µ$/task", "vs large", "large share");
        var large = result.ValidationAlwaysLarge.MeanCostMicros;
        void Row(string name, EvaluationFigures f) => table.AddRow(
            Markup.Escape(name), (100 * f.SuccessRate).ToString("F1", inv), f.MeanCostMicros.ToString("N0", inv),
            (large > 0 ? f.MeanCostMicros / large : 0).ToString("F2", inv), f.LargeShare.ToString("P0", inv));
        Row("always-small", result.ValidationAlwaysSmall);
        Row("always-large", result.ValidationAlwaysLarge);
        foreach (var p in result.Policies)
        {
            Row(p.Name, p.Validation);
        }

        console.Write(table);
    }
}
