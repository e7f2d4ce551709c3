using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Routing.Cli.Bench.Sale;
using Routing.Cli.Hosting;
using Routing.Contracts.Common.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Routing.Contracts.Executor.V1;
using Routing.Executor.Episodes;
using Routing.Executor.Options;
using Routing.Features;
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
using StackExchange.Redis;

namespace Routing.Cli.Bench;

/// <summary>Settings of <c>routing bench routing --through-services</c>.</summary>
/// <param name="LimitMicros">Every executor task has a hard limit, and the limit is a feature; the in-process run gets the same one.</param>
/// <param name="Auctions">
/// The executor auctions every task on open (SALE on the step pair, untrained weights, no refinement) and the in-process
/// side gives the policy the same tasks' auctions (<see cref="Sale.StepPairAuctions"/>): the composed path of policy v4.
/// </param>
public sealed record ThroughServicesSettings(ulong Seed, int TasksPerCell, long LimitMicros, int? LargeCallCap, int Concurrency, bool Auctions = false)
{
    /// <summary>The limit used when <c>--budget-micros</c> is not given: $1,000 per episode, far above any simulated episode's cost.</summary>
    public const long NonBindingLimitMicros = 1_000_000_000;

    /// <summary>
    /// Whether the pinned strategies can be compared: only without a binding limit or cap. A pinned step is the
    /// caller's choice, so the executor refuses one that does not fit where the in-process baselines' budget-constrained
    /// decoding falls back to a cheaper agent; under a limit or cap the two are different strategies.
    /// </summary>
    public bool PinnedComparable => LimitMicros >= NonBindingLimitMicros && LargeCallCap is null;

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

/// <summary>A pinned strategy (always-small, always-large) on the same tasks, in-process and as pinned RunTask episodes.</summary>
public sealed record PinnedComparison(string Strategy, StrategyFrontier InProcess, StrategyFrontier Services, int DifferingEpisodes)
{
    public bool Same => DifferingEpisodes == 0 && InProcess.Cells.SequenceEqual(Services.Cells);
}

/// <summary>
/// The same strategy on the same tasks, in-process and through the services. <paramref name="Pinned"/>: always-small and
/// always-large compared the same way, or null when the limit or cap binds (<see cref="ThroughServicesSettings.PinnedComparable"/>).
/// </summary>
public sealed record ThroughServicesReport(
    ThroughServicesSettings Settings, string Strategy, StrategyFrontier InProcess, StrategyFrontier Services,
    int DifferingEpisodes, IReadOnlyList<string> Examples, int PolicyFallbacks, long ServiceSteps, double ServiceSeconds, double MaxProbabilityGap,
    IReadOnlyList<string> DifferingFeatures, IReadOnlyList<PinnedComparison>? Pinned = null)
{
    /// <summary>
    /// P(large) gap between the policy service (ONNX Runtime) and the in-process network on the same step that float
    /// rounding alone explains. A feature the executor extracts differently moves P(large) by more even when no
    /// decision flips; such gaps are reported with the features behind them, as a warning.
    /// </summary>
    public const double ProbabilityTolerance = 1e-4;

    public double StepsPerSecond => ServiceSeconds > 0 ? ServiceSteps / ServiceSeconds : 0;

    /// <summary>Every cell and every episode agrees (success, steps, cost, large calls), the pinned strategies' too.</summary>
    public bool Same => DifferingEpisodes == 0 && InProcess.Cells.SequenceEqual(Services.Cells) && (Pinned ?? []).All(p => p.Same);
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
                // A loaded machine can miss the production deadlines (policy 500 ms, budget 2 s); a fallback is not a
                // routing decision and a refused step is not a budget decision.
                ["Routing:Executor:PolicyTimeoutMilliseconds"] = "30000",
                ["Routing:Executor:BudgetTimeoutMilliseconds"] = "30000",
                // RunTask declares each step's simulated context (signals.context_tokens), so reservations need no
                // floor and bound a step exactly as the in-process budget-constrained decoding does.
                ["Routing:Executor:InputTokenFloor"] = "0",
            };
            if (settings.Auctions)
            {
                // As the trainer's auctions: bids and one jury round, no memory-driven refinement, no weights file.
                overrides["Routing:Executor:Sale:AuctionOnOpen"] = "true";
                overrides["Routing:Executor:Sale:Refinement"] = "false";
            }
            await using var stack = await LocalStack.StartAsync(null, "127.0.0.1", anyPorts: true, "none", cancellationToken, overrides);
            using var channel = GrpcChannel.ForAddress(stack.Executor.GrpcAddress);
            var client = new ExecutorService.ExecutorServiceClient(channel);
            var auth = new Metadata { { "authorization", $"Bearer {LocalStack.DevApiKey}" } };

            var count = TaskSpace.DomainCount * TaskSpace.BinCount * settings.TasksPerCell;
            var services = new EpisodeFigures[count];
            var serviceLarge = new float[count][];
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
                var (figures, played) = await PlayAsync(client, auth, request, token);
                var pLarge = new List<float>();
                foreach (var step in played)
                {
                    if (step.Decision.Reason == RoutingReason.PolicyFallback)
                    {
                        Interlocked.Increment(ref fallbacks);
                    }
                    if (step.Decision.PolicyVersion.Length > 0)
                    {
                        pLarge.Add(step.Decision.Probabilities[PolicyAction.Large]);
                        versions.TryAdd(step.Decision.PolicyVersion, 0);
                    }
                }
                services[i] = figures;
                serviceLarge[i] = [.. pLarge];
                Interlocked.Add(ref steps, figures.Steps);
                progress?.Invoke(Interlocked.Increment(ref done), count);
            });
            var seconds = clock.Elapsed.TotalSeconds;

            if (versions.Count != 1)
            {
                throw new InvalidOperationException($"expected every step to be decided by one policy version, saw [{string.Join(", ", versions.Keys)}] and {fallbacks} fallbacks");
            }
            var version = versions.Keys.Single();
            StepPairAuctions? auctions = null;
            if (settings.Auctions)
            {
                auctions = new StepPairAuctions(model, share: 1, domain: new ExecutorSaleOptions().DefaultDomain);
                await auctions.PrepareAsync(settings.Seed, settings.TasksPerCell, null, cancellationToken);
            }
            var (inProcess, recordings) = RunInProcess(model, PolicyModelPath(version), settings, auctions);
            var inProcessLarge = recordings.Select(r => r.Select(d => d.Action == PolicyAction.Large ? MathF.Exp(d.BehaviourLogProbability) : 1 - MathF.Exp(d.BehaviourLogProbability)).ToArray()).ToArray();

            var differing = 0;
            var gap = 0.0;
            var examples = new List<string>();
            for (var i = 0; i < count; i++)
            {
                if (inProcess[i] == services[i])
                {
                    // Same episode, same steps: compare the policy's P(large) step by step.
                    for (var t = 0; t < Math.Min(inProcessLarge[i].Length, serviceLarge[i].Length); t++)
                    {
                        gap = Math.Max(gap, Math.Abs(inProcessLarge[i][t] - serviceLarge[i][t]));
                    }
                }
                else
                {
                    differing++;
                    if (examples.Count < 5)
                    {
                        examples.Add($"{TaskId(i, settings.TasksPerCell)}: in-process {inProcess[i]}, services {services[i]}");
                    }
                }
            }

            var name = "policy:" + version + (settings.Auctions ? "+auction" : "");
            var frontier = settings.Frontier;
            return new ThroughServicesReport(
                settings, name,
                FrontierEvaluator.Summarise(name, [.. inProcess.Select(r => r.ToResult())], frontier, null),
                FrontierEvaluator.Summarise(name, [.. services.Select(r => r.ToResult())], frontier, null),
                differing, examples, fallbacks, steps, seconds, gap,
                await DifferingFeaturesAsync(stack, inProcess, services, recordings, settings.TasksPerCell, cancellationToken),
                settings.PinnedComparable ? await PinnedAsync(client, auth, model, settings, progress, cancellationToken) : null);
        }
        finally
        {
            File.Delete(agentsFile);
        }
    }

    /// <summary>One RunTask episode: what it came to, and its steps.</summary>
    private static async Task<(EpisodeFigures Figures, List<StepResponse> Steps)> PlayAsync(
        ExecutorService.ExecutorServiceClient client, Metadata auth, RunTaskRequest request, CancellationToken cancellationToken)
    {
        var steps = new List<StepResponse>();
        var success = false;
        using var call = client.RunTask(request, auth, cancellationToken: cancellationToken);
        await foreach (var e in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            if (e.Step is { } step)
            {
                steps.Add(step);
            }
            else if (e.Finished is { } finished)
            {
                success = finished.Outcome?.Success ?? false;
            }
        }
        var figures = new EpisodeFigures(success, steps.Count, steps.Sum(s => s.CostMicros), steps.Count(s => s.Decision.Tier == ModelTier.Large));
        return (figures, steps);
    }

    /// <summary>
    /// Always-small and always-large as RunTask episodes with every step pinned (RunTask's <c>agent</c>), next to the
    /// simulator's <see cref="FixedAgentRouter"/> on the same tasks. Each strategy's episodes carry a run label, so they
    /// are other episodes than the policy's of the same task and attempt.
    /// </summary>
    private static async Task<IReadOnlyList<PinnedComparison>> PinnedAsync(
        ExecutorService.ExecutorServiceClient client, Metadata auth, SimulatorModel model, ThroughServicesSettings settings, Action<int, int>? progress, CancellationToken cancellationToken)
    {
        var pair = model.StepPair;
        var runner = new EpisodeRunner(model, pair);
        var generator = new TaskGenerator(model, settings.Seed);
        var count = TaskSpace.DomainCount * TaskSpace.BinCount * settings.TasksPerCell;
        var comparisons = new List<PinnedComparison>();
        foreach (var (name, agent) in new[] { (RoutingStrategy.AlwaysSmall, pair.Smallest), (RoutingStrategy.AlwaysLarge, pair.Largest) })
        {
            var services = new EpisodeFigures[count];
            var inProcess = new EpisodeFigures[count];
            var done = 0;
            await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency, CancellationToken = cancellationToken }, async (i, token) =>
            {
                var request = new RunTaskRequest { TaskId = $"{TaskId(i, settings.TasksPerCell)}~{name.Replace('-', '_')}", LimitMicros = settings.LimitMicros, Agent = pair[agent].Name };
                services[i] = (await PlayAsync(client, auth, request, token)).Figures;
                var r = runner.Run(generator.CreateCellMajor(i, settings.TasksPerCell), new FixedAgentRouter(agent));
                inProcess[i] = new EpisodeFigures(r.Success, r.Steps, r.CostMicros, r.CallsOnLargest);
                progress?.Invoke(Interlocked.Increment(ref done), count);
            });
            comparisons.Add(new PinnedComparison(
                name,
                FrontierEvaluator.Summarise(name, [.. inProcess.Select(r => r.ToResult())], settings.Frontier, null),
                FrontierEvaluator.Summarise(name, [.. services.Select(r => r.ToResult())], settings.Frontier, null),
                Enumerable.Range(0, count).Count(i => inProcess[i] != services[i])));
        }
        return comparisons;
    }

    /// <summary>
    /// The v1 features (by name, with the count of steps) that the executor logged differently from the in-process
    /// bridge on the steps of episodes both sides played alike: the episode log keeps every step's vector.
    /// </summary>
    private static async Task<IReadOnlyList<string>> DifferingFeaturesAsync(
        LocalStack stack, EpisodeFigures[] inProcess, EpisodeFigures[] services, List<StepSample>[] recordings, int tasksPerCell, CancellationToken cancellationToken)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < inProcess.Length; i++)
        {
            if (inProcess[i] == services[i])
            {
                index[TaskId(i, tasksPerCell)] = i;
            }
        }
        var db = stack.Executor.App.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var prefix = stack.Executor.App.Services.GetRequiredService<IOptions<ExecutorOptions>>().Value.KeyPrefix;
        using var log = new StringWriter(CultureInfo.InvariantCulture);
        await EpisodeExporter.ExportAsync(db, prefix, [LocalStack.DevTenant], log, cancellationToken);
        var counts = new int[FeatureSchemaV1.Width];
        foreach (var line in log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var record = JsonDocument.Parse(line);
            var root = record.RootElement;
            if (root.GetProperty("kind").GetString() != EpisodeRecord.StepKind
                || !index.TryGetValue(root.GetProperty("task_id").GetString() ?? "", out var i)
                || !root.TryGetProperty("features", out var features))
            {
                continue;
            }
            var step = root.GetProperty("step").GetInt32();
            if (step >= recordings[i].Count)
            {
                continue;
            }
            var expected = recordings[i][step].Features;
            var f = 0;
            foreach (var value in features.EnumerateArray())
            {
                if (Math.Abs(value.GetSingle() - expected[f]) > 1e-6)
                {
                    counts[f]++;
                }
                f++;
            }
        }
        var names = new List<string>();
        for (var f = 0; f < counts.Length; f++)
        {
            if (counts[f] > 0)
            {
                var name = f < FeatureSchemaV1.NumericWidth ? FeatureSchemaV1.NumericNames[f] : $"text bucket {f - FeatureSchemaV1.NumericWidth}";
                names.Add(string.Create(CultureInfo.InvariantCulture, $"{name} ({counts[f]} steps)"));
            }
        }
        return names;
    }

    /// <summary>Task <paramref name="i"/> in the frontier evaluator's cell-major order, as a simulated task id.</summary>
    public static string TaskId(int i, int tasksPerCell)
    {
        var (domain, bin, index) = TaskSpace.CellMajor(i, tasksPerCell);
        return SimulatedSaleWorld.TaskId(domain, bin, index);
    }

    /// <summary>The bundled model directory the policy service serves <paramref name="version"/> from.</summary>
    private static string PolicyModelPath(string version) => Path.Combine(ModelRegistry.DefaultDirectory, version, PolicyModelDirectory.ModelFileName);

    /// <summary>The same tasks on the simulator's episode runner, routed greedily by the same weights under the same constraints (as the frontier evaluator does).</summary>
    private static (EpisodeFigures[] Results, List<StepSample>[] Recordings) RunInProcess(SimulatorModel model, string modelPath, ThroughServicesSettings settings, StepPairAuctions? auctions)
    {
        var parameters = MlpParameters.FromPolicyNetwork(OnnxPolicyReader.ReadFile(modelPath));
        var runner = new EpisodeRunner(model, model.StepPair);
        var generator = new TaskGenerator(model, settings.Seed);
        var constraints = new EpisodeConstraints(settings.LimitMicros, settings.LargeCallCap);
        var count = TaskSpace.DomainCount * TaskSpace.BinCount * settings.TasksPerCell;
        var results = new EpisodeFigures[count];
        var recordings = new List<StepSample>[count];
        Parallel.For(
            0, count,
            () =>
            {
                var policy = new PolicyStepRouter(parameters, sample: false, constraints) { Auctions = auctions };
                return (Policy: policy, Router: new BudgetConstrainedRouter(policy, settings.LimitMicros, settings.LargeCallCap));
            },
            (i, _, local) =>
            {
                var task = generator.CreateCellMajor(i, settings.TasksPerCell);
                local.Policy.Recording = [];
                var r = runner.Run(task, local.Router);
                results[i] = new EpisodeFigures(r.Success, r.Steps, r.CostMicros, r.CallsOnLargest);
                recordings[i] = local.Policy.Recording;
                return local;
            },
            _ => { });
        return (results, recordings);
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
