using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Routing.Cli.Hosting;
using Routing.Contracts.Common.V1;
using Routing.Contracts.Executor.V1;
using Routing.Onnx;
using Routing.Policy.Models;
using Routing.Simulation;
using Routing.Simulation.Benchmark;
using Routing.Simulation.Episodes;
using Routing.Simulation.Routers;
using Routing.Simulation.Tasks;
using Routing.Training.Features;
using Routing.Training.Network;
using Routing.Training.Rollouts;

namespace Routing.Cli.Bench;

/// <summary>Settings of <c>routing bench routing --through-services</c>.</summary>
/// <param name="LimitMicros">Every executor task has a hard limit, and the limit is a feature; the in-process run gets the same one.</param>
public sealed record ThroughServicesSettings(ulong Seed, int TasksPerCell, long LimitMicros, int? LargeCallCap, int Concurrency)
{
    /// <summary>The limit used when <c>--budget-micros</c> is not given: $1,000 per episode, far above any simulated episode's cost.</summary>
    public const long NonBindingLimitMicros = 1_000_000_000;

    public FrontierSettings Frontier => new()
    {
        TasksPerCell = TasksPerCell, Seed = Seed, BudgetMicros = LimitMicros, LargeCallCap = LargeCallCap, Pool = Simulation.Agents.AgentPool.StepPairName,
    };
}

/// <summary>One episode as either side saw it.</summary>
public sealed record EpisodeFigures(bool Success, int Steps, long CostMicros, int LargeCalls)
{
    public EpisodeResult ToResult() => new()
    {
        End = Success ? EpisodeEnd.Solved : EpisodeEnd.StoppedByRouter, Steps = Steps, CostMicros = CostMicros, CallsOnLargest = LargeCalls,
    };
}

/// <summary>The same strategy on the same tasks, in-process and through the services.</summary>
public sealed record ThroughServicesReport(
    ThroughServicesSettings Settings, string Strategy, StrategyFrontier InProcess, StrategyFrontier Services,
    int DifferingEpisodes, IReadOnlyList<string> Examples, int PolicyFallbacks, long ServiceSteps, double ServiceSeconds)
{
    public double StepsPerSecond => ServiceSeconds > 0 ? ServiceSteps / ServiceSeconds : 0;

    /// <summary>Every cell and every episode agrees.</summary>
    public bool Same => DifferingEpisodes == 0 && InProcess.Cells.SequenceEqual(Services.Cells);
}

/// <summary>
/// Runs the routing benchmark's held-out tasks as managed episodes (<c>RunTask</c>) through the services that
/// <c>routing up</c> starts — executor, policy (its served model), budget — and the same tasks in-process with the
/// served model's weights, greedily, under the same limit and cap. The executor serves the simulator's step pair
/// (the pair the policy was trained on) on the benchmark's seed, so both sides play the same episodes.
/// </summary>
public static class ThroughServicesBench
{
    public static async Task<ThroughServicesReport> RunAsync(ThroughServicesSettings settings, Action<int, int>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var model = SimulatorModel.Default;
        var pair = model.StepPair;
        var agentsFile = Path.Combine(Path.GetTempPath(), $"routing-through-services-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(agentsFile, StepPairAgents(pair), cancellationToken);
        try
        {
            var overrides = new Dictionary<string, string?>
            {
                ["Routing:AgentPool:File"] = agentsFile,
                ["Routing:AgentPool:UseSimulator"] = "false",
                ["Routing:AgentPool:SimulatorSeed"] = settings.Seed.ToString(CultureInfo.InvariantCulture),
                // A loaded machine can miss the 500 ms production deadline; a fallback is not a routing decision.
                ["Routing:Executor:PolicyTimeoutMilliseconds"] = "30000",
            };
            await using var stack = await LocalStack.StartAsync(null, "127.0.0.1", anyPorts: true, "none", cancellationToken, overrides);
            using var channel = GrpcChannel.ForAddress(stack.Executor.GrpcAddress);
            var client = new ExecutorService.ExecutorServiceClient(channel);
            var auth = new Metadata { { "authorization", $"Bearer {LocalStack.DevApiKey}" } };

            var count = TaskSpace.DomainCount * TaskSpace.BinCount * settings.TasksPerCell;
            var services = new EpisodeFigures[count];
            var versions = new ConcurrentDictionary<string, byte>();
            var fallbacks = 0;
            long steps = 0;
            var done = 0;
            var clock = Stopwatch.StartNew();
            await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency, CancellationToken = cancellationToken }, async (i, token) =>
            {
                var request = new RunTaskRequest { TaskId = TaskId(i, settings.TasksPerCell), LimitMicros = settings.LimitMicros, CostPreference = 0 };
                if (settings.LargeCallCap is { } cap)
                {
                    request.LargeCallCap = cap;
                }
                int taken = 0, large = 0;
                long cost = 0;
                var success = false;
                using var call = client.RunTask(request, auth, cancellationToken: token);
                await foreach (var e in call.ResponseStream.ReadAllAsync(token))
                {
                    if (e.Step is { } step)
                    {
                        taken++;
                        cost += step.CostMicros;
                        large += step.Decision.Tier == ModelTier.Large ? 1 : 0;
                        if (step.Decision.Reason == RoutingReason.PolicyFallback)
                        {
                            Interlocked.Increment(ref fallbacks);
                        }
                        if (step.Decision.PolicyVersion.Length > 0)
                        {
                            versions.TryAdd(step.Decision.PolicyVersion, 0);
                        }
                    }
                    else if (e.Finished is { } finished)
                    {
                        success = finished.Outcome?.Success ?? false;
                    }
                }
                services[i] = new EpisodeFigures(success, taken, cost, large);
                Interlocked.Add(ref steps, taken);
                progress?.Invoke(Interlocked.Increment(ref done), count);
            });
            var seconds = clock.Elapsed.TotalSeconds;

            if (versions.Count != 1)
            {
                throw new InvalidOperationException($"expected every step to be decided by one policy version, saw [{string.Join(", ", versions.Keys)}] and {fallbacks} fallbacks");
            }
            var version = versions.Keys.Single();
            var inProcess = RunInProcess(model, PolicyModelPath(version), settings);

            var differing = 0;
            var examples = new List<string>();
            for (var i = 0; i < count; i++)
            {
                if (inProcess[i] != services[i])
                {
                    differing++;
                    if (examples.Count < 5)
                    {
                        examples.Add($"{TaskId(i, settings.TasksPerCell)}: in-process {inProcess[i]}, services {services[i]}");
                    }
                }
            }

            var name = "policy:" + version;
            var frontier = settings.Frontier;
            return new ThroughServicesReport(
                settings, name,
                FrontierEvaluator.Summarise(name, [.. inProcess.Select(r => r.ToResult())], frontier, null),
                FrontierEvaluator.Summarise(name, [.. services.Select(r => r.ToResult())], frontier, null),
                differing, examples, fallbacks, steps, seconds);
        }
        finally
        {
            File.Delete(agentsFile);
        }
    }

    /// <summary>Task <paramref name="i"/> in the frontier evaluator's cell-major order, as a simulated task id.</summary>
    public static string TaskId(int i, int tasksPerCell)
    {
        var cell = i / tasksPerCell;
        return string.Create(CultureInfo.InvariantCulture, $"{TaskSpace.Name((Domain)(cell / TaskSpace.BinCount))}-{cell % TaskSpace.BinCount}-{i % tasksPerCell}");
    }

    /// <summary>The bundled model directory the policy service serves <paramref name="version"/> from.</summary>
    private static string PolicyModelPath(string version) => Path.Combine(ModelRegistry.DefaultDirectory, version, PolicyModelDirectory.ModelFileName);

    /// <summary>The same tasks on the simulator's episode runner, routed greedily by the same weights under the same constraints (as the frontier evaluator does).</summary>
    private static EpisodeFigures[] RunInProcess(SimulatorModel model, string modelPath, ThroughServicesSettings settings)
    {
        var parameters = MlpParameters.FromPolicyNetwork(OnnxPolicyReader.ReadFile(modelPath));
        var runner = new EpisodeRunner(model, model.StepPair);
        var generator = new TaskGenerator(model, settings.Seed);
        var constraints = new EpisodeConstraints(settings.LimitMicros, settings.LargeCallCap);
        var count = TaskSpace.DomainCount * TaskSpace.BinCount * settings.TasksPerCell;
        var results = new EpisodeFigures[count];
        Parallel.For(
            0, count,
            () => new BudgetConstrainedRouter(new PolicyStepRouter(parameters, sample: false, constraints), settings.LimitMicros, settings.LargeCallCap),
            (i, _, router) =>
            {
                var cell = i / settings.TasksPerCell;
                var task = generator.Create((Domain)(cell / TaskSpace.BinCount), cell % TaskSpace.BinCount, i % settings.TasksPerCell);
                var r = runner.Run(task, router);
                results[i] = new EpisodeFigures(r.Success, r.Steps, r.CostMicros, r.CallsOnLargest);
                return router;
            },
            _ => { });
        return results;
    }

    /// <summary>An agent pool file of the simulator's step pair, served in-process (tier 0 small, tier 1 large).</summary>
    private static string StepPairAgents(Simulation.Agents.AgentPool pair)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("agents");
            for (var i = 0; i < pair.Count; i++)
            {
                var a = pair[i];
                json.WriteStartObject();
                json.WriteString("name", a.Name);
                json.WriteString("endpoint", "sim:");
                json.WriteString("model", a.Name);
                json.WriteNumber("priceInMicrosPerMTok", a.PriceInMicrosPerMTok);
                json.WriteNumber("priceOutMicrosPerMTok", a.PriceOutMicrosPerMTok);
                json.WriteNumber("tier", i == pair.Largest ? 1 : 0);
                json.WriteNumber("maxOutputTokens", a.MaxOutputTokens);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
