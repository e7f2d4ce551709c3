using System.Globalization;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Routing.Contracts.Memory.V1;
using Routing.EmbeddedRedis;
using Routing.Memory;
using Routing.Memory.Index;
using Routing.Sale.Auction;
using Routing.Sale.Memory;
using Routing.Sale.Weights;
using Routing.ServiceDefaults.Options;
using Routing.Simulation;
using Routing.Simulation.Benchmark;
using Routing.Simulation.Episodes;
using Routing.Simulation.Routers;
using Routing.Simulation.Tasks;

namespace Routing.Cli.Bench.Sale;

/// <summary>Settings of the SALE rows.</summary>
public sealed record SaleBenchSettings(ulong Seed, int TasksPerCell, int TrainTasksPerCell, TimeSpan FitTimeLimit, string? Redis, IReadOnlyList<string>? Variants = null)
{
    /// <summary>The training tasks' seed: derived from the held-out seed so the two sets never share tasks.</summary>
    public ulong TrainSeed => Seed ^ 0x5A1E_7EA1_0000_0001UL;

    public List<string> Validate()
    {
        var problems = new List<string>();
        if (TasksPerCell is < 1 or > 100_000)
        {
            problems.Add("--sale-tasks-per-cell must be between 1 and 100000");
        }

        if (TrainTasksPerCell is < 1 or > 10_000)
        {
            problems.Add("--sale-train-tasks-per-cell must be between 1 and 10000");
        }

        if (FitTimeLimit <= TimeSpan.Zero)
        {
            problems.Add("--sale-fit-seconds must be > 0");
        }

        foreach (var name in Variants ?? [])
        {
            if (!SaleVariant.All.Any(v => v.Name == name))
            {
                problems.Add($"--sale-variants: unknown variant '{name}'; expected {string.Join(", ", SaleVariant.All.Select(v => v.Name))}");
            }
        }

        return problems;
    }
}

/// <summary>
/// Runs SALE on the simulator's held-out tasks: weights fitted per variant on separate training tasks, then one
/// auction per held-out task through the in-process simulator backend and the real memory service (embedded
/// Redis-compatible server), the winner playing the task. Tasks are auctioned in a seeded shuffled order, one
/// at a time per variant, so memory grows online as it would in service. Every figure is a simulator figure.
/// </summary>
public static class SaleBench
{
    public static async Task<SaleBenchReport> RunAsync(SimulatorModel model, SaleBenchSettings settings, Action<string, int, int>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        var variants = SaleVariant.All.Where(v => settings.Variants is null || settings.Variants.Contains(v.Name)).ToList();

        var training = await new SimulatedSaleWorld(model, settings.TrainSeed)
            .CollectTrainingAsync(settings.TrainTasksPerCell, (d, n) => progress?.Invoke("training auctions", d, n), cancellationToken).ConfigureAwait(false);
        var trainWorld = new SimulatedSaleWorld(model, settings.TrainSeed);
        var fits = new Dictionary<string, Routing.Sale.Training.FitResult>();
        for (var v = 0; v < variants.Count; v++)
        {
            var variant = variants[v];
            var key = TermsKey(variant);
            if (!fits.ContainsKey(key))
            {
                fits[key] = trainWorld.Fit(training, variant.Terms, settings.FitTimeLimit, "bench-" + variant.Name);
            }

            progress?.Invoke("weight fits (MILP)", v + 1, variants.Count);
        }

        var world = new SimulatedSaleWorld(model, settings.Seed);
        var frontier = new FrontierSettings { TasksPerCell = settings.TasksPerCell, Seed = settings.Seed, Pool = Simulation.Agents.AgentPool.SalePoolName };
        var tasks = HeldOut(world, settings.TasksPerCell);
        var largest = new EpisodeResult[tasks.Count];
        var oracle = new EpisodeResult[tasks.Count];
        var oracleRouter = new OracleRouter(new EpisodeRunner(model, world.Pool));
        var oracleRunner = new EpisodeRunner(model, world.Pool);
        for (var i = 0; i < tasks.Count; i++)
        {
            largest[i] = world.PlayAlone(tasks[i].Task, world.Pool.Largest);
            oracle[i] = oracleRunner.Run(tasks[i].Task, oracleRouter);
        }

        var largestCost = largest.Sum(r => r.CostMicros);
        using var embedded = settings.Redis is null ? EmbeddedRedisServer.Start() : null;
        await using var memoryHost = await StartMemoryAsync(settings.Redis ?? embedded!.ConnectionString, cancellationToken).ConfigureAwait(false);
        using var channel = GrpcChannel.ForAddress(memoryHost.Address);
        var memory = new GrpcAuctionMemory(new MemoryService.MemoryServiceClient(channel), TimeSpan.FromSeconds(30));

        var order = ShuffledOrder(tasks.Count, settings.Seed);
        var results = await Task.WhenAll(variants.Select(variant => Task.Run(
            () => RunVariantAsync(world, variant, fits[TermsKey(variant)], memory, tasks, order, frontier, largestCost, progress, cancellationToken),
            cancellationToken))).ConfigureAwait(false);

        return new SaleBenchReport(
            "simulator", settings.Seed, settings.TrainSeed, settings.TasksPerCell, settings.TrainTasksPerCell, world.Pool[world.Pool.Largest].Name,
            FrontierEvaluator.Summarise("largest-alone", largest, frontier, largestCost),
            FrontierEvaluator.Summarise(RoutingStrategy.Oracle, oracle, frontier, largestCost),
            results);
    }

    private static async Task<SaleVariantResult> RunVariantAsync(
        SimulatedSaleWorld world, SaleVariant variant, Routing.Sale.Training.FitResult fit, IAuctionMemory memory,
        List<(SimTask Task, string Id)> tasks, int[] order, FrontierSettings frontier, long largestCost,
        Action<string, int, int>? progress, CancellationToken cancellationToken)
    {
        var engine = new AuctionEngine(new FixedSaleWeights(fit.Weights.ToWeights()), memory, new AuctionOptions { Terms = variant.Terms, Refinement = variant.Memory });
        var tenant = "bench-" + variant.Name;
        var episodes = new EpisodeResult[tasks.Count];
        var wins = world.Agents.ToDictionary(a => a.Name, _ => 0);
        var largestName = world.Pool[world.Pool.Largest].Name;
        var quintileWins = new int[5];
        var quintileTotal = new int[5];
        var phases = default(AuctionPhaseOverhead);
        long episodeInput = 0, episodeOutput = 0;
        int refinedWins = 0, refinedRounds = 0, refinedJuriesSkipped = 0, fallbacks = 0, counted = 0, excluded = 0;
        for (var step = 0; step < order.Length; step++)
        {
            var (task, id) = tasks[order[step]];
            var auctionId = variant.Name + "-" + id;
            var auction = await engine.RunAsync(world.Request(tenant, auctionId, task, id), cancellationToken).ConfigureAwait(false);
            var episode = world.Play(task, auction);
            if (auction.Recorded)
            {
                await memory.RecordOutcomeAsync(
                    new RecordOutcomeRequest { Tenant = tenant, AuctionId = auctionId, Success = episode.Success, Score = episode.Success ? 1 : 0, ActualCostMicros = episode.CostMicros + auction.Overhead.CostMicros },
                    cancellationToken).ConfigureAwait(false);
            }

            episodes[order[step]] = episode with { CostMicros = episode.CostMicros + auction.Overhead.CostMicros };
            phases += auction.OverheadByPhase;
            episodeInput += episode.InputTokens;
            episodeOutput += episode.OutputTokens;
            wins[auction.Winner]++;
            refinedWins += auction.WinnerRefined ? 1 : 0;
            refinedRounds += auction.RefinedBids.Count > 0 ? 1 : 0;
            refinedJuriesSkipped += auction.RefinedJurySkipped > 0 ? 1 : 0;
            fallbacks += auction.FallbackReason is null ? 0 : 1;
            counted += auction.Jury.Counted;
            excluded += auction.Jury.Invalid + auction.Jury.Missing;
            var quintile = step * 5 / order.Length;
            quintileTotal[quintile]++;
            quintileWins[quintile] += auction.Winner == largestName ? 0 : 1;
            if ((step + 1) % 20 == 0 || step + 1 == order.Length)
            {
                progress?.Invoke(variant.Name, step + 1, order.Length);
            }
        }

        var weights = fit.Weights;
        return new SaleVariantResult(
            variant.Name,
            FrontierEvaluator.Summarise(variant.Name, episodes, frontier, largestCost),
            phases,
            episodeInput,
            episodeOutput,
            wins,
            (double)wins[largestName] / tasks.Count,
            [.. quintileWins.Select((w, q) => quintileTotal[q] == 0 ? 0 : (double)w / quintileTotal[q])],
            refinedWins,
            refinedRounds,
            refinedJuriesSkipped,
            fallbacks,
            counted,
            excluded,
            new SaleFitSummary(fit.Status, fit.Objective, fit.WorstWinnerScore, fit.SolverPicked, fit.CheapestSolverPicked, fit.TasksWithSolver, fit.Wins, weights.Cost, weights.Entropy, weights.Jurors));
    }

    /// <summary>Held-out tasks in cell-major order (as the frontier tallies them).</summary>
    private static List<(SimTask Task, string Id)> HeldOut(SimulatedSaleWorld world, int tasksPerCell)
    {
        var tasks = new List<(SimTask, string)>(TaskSpace.DomainCount * TaskSpace.BinCount * tasksPerCell);
        for (var d = 0; d < TaskSpace.DomainCount; d++)
        {
            for (var b = 0; b < TaskSpace.BinCount; b++)
            {
                for (var i = 0; i < tasksPerCell; i++)
                {
                    tasks.Add((world.Tasks.Create((Domain)d, b, i), SimulatedSaleWorld.TaskId((Domain)d, b, i)));
                }
            }
        }

        return tasks;
    }

    /// <summary>A seeded Fisher–Yates order: tasks arrive mixed across domains and bins, as traffic would.</summary>
    private static int[] ShuffledOrder(int count, ulong seed)
    {
        var order = Enumerable.Range(0, count).ToArray();
        var random = new Random(unchecked((int)(seed ^ (seed >> 32))));
        for (var i = count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        return order;
    }

    private static string TermsKey(SaleVariant variant) => variant.Terms.ToString();

    private static async Task<MemoryHost> StartMemoryAsync(string redis, CancellationToken cancellationToken)
    {
        var configuration = BenchServiceSettings.Loopback(redis, new Dictionary<string, string?>
        {
            ["Routing:Memory:KeyPrefix"] = $"bench:sale:{Guid.NewGuid():N}:",
            ["Routing:Memory:ChangePollMilliseconds"] = "20",
        });
        var app = MemoryServiceHost.Build([], builder => builder.Configuration.AddInMemoryCollection(configuration));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        await app.Services.GetRequiredService<MemoryIndex>().WhenReady.WaitAsync(cancellationToken).ConfigureAwait(false);
        var port = app.Services.GetRequiredService<ServiceEndpointOptions>().GrpcPort;
        return new MemoryHost(app, string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));
    }

    private sealed record MemoryHost(WebApplication App, string Address) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => App.DisposeAsync();
    }
}
