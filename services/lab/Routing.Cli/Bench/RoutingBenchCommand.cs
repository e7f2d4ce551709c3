using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Routing.Cli.Bench.Sale;
using Routing.Cli.Output;
using Routing.Simulation;
using Routing.Simulation.Benchmark;
using Routing.Training.Export;
using Routing.Training.Features;
using Spectre.Console;

namespace Routing.Cli.Bench;

/// <summary>
/// <c>routing bench routing</c>: the routing frontier on the agent simulator's held-out tasks — every strategy
/// on the same tasks (common random numbers), per domain and bin, optionally under a hard budget and a
/// large-call cap. All figures come from the simulator, not from real agents.
/// </summary>
public static class RoutingBenchCommand
{
    /// <summary>Base names accepted by <c>--strategies</c>, in report order.</summary>
    /// <summary>Held-out tasks per cell of <c>--through-services</c> unless given: each is a whole managed episode over gRPC.</summary>
    public const int ThroughServicesDefaultTasksPerCell = 20;

    public static IReadOnlyList<string> StrategyNames { get; } = ["always-small", "always-large", "random", "cascade", "first-large", "oracle"];

    public static Command Create()
    {
        var tasksPerCell = new Option<int>("--tasks-per-cell") { Description = "Held-out tasks per domain × bin cell (10 cells).", DefaultValueFactory = _ => 2000 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the held-out task set (calibration seeds 20260501, 20260502, 777 are refused).", DefaultValueFactory = _ => FrontierSettings.DefaultSeed };
        var budget = new Option<long?>("--budget-micros") { Description = "Hard per-episode budget in micro-dollars, enforced by budget-constrained decoding." };
        var cap = new Option<int?>("--large-cap") { Description = "Most calls per episode on the largest model (K), enforced by budget-constrained decoding." };
        var pool = new Option<string>("--pool") { Description = "'step' (GPT-4.1-mini/GPT-4.1-like pair) or 'sale' (Qwen3 4B–32B-like pool).", DefaultValueFactory = _ => "step" };
        var randomP = new Option<double>("--random-p") { Description = "P(largest) per step of the random baseline.", DefaultValueFactory = _ => 0.5 };
        var firstLarge = new Option<int>("--first-large-k") { Description = "Steps on the largest model before First-Large switches to the smallest.", DefaultValueFactory = _ => 1 };
        var strategies = new Option<string?>("--strategies") { Description = "Comma-separated subset of: " + string.Join(", ", StrategyNames) + " (default: all)." };
        var threads = new Option<int>("--threads") { Description = "Worker threads (results do not depend on it).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var json = new Option<bool>("--json") { Description = "Print one JSON object as the last line of stdout." };
        var policies = new Option<string?>("--policies") { Description = "Also run every trained policy DIR/<name>/model.onnx (e.g. the --out of `routing train policy --ablations`) as strategy <name>." };
        var costPreferences = new Option<string?>("--cost-preferences") { Description = "Operating points λ for the --policies (comma-separated, each 0–1000): one row per policy and λ, named <name>@<λ> (λ 0 keeps the plain name). Default: 0, the network's own choice." };
        var auctionsOption = new Option<bool>("--auctions") { Description = "Also run every --policies policy after a SALE auction on the step pair for each held-out task (untrained weights, bids and one jury round), its outcome in feature slots 20–22 as the executor gives it; rows <name>+auction, the auction's cost included. Not with --budget-micros. With --through-services: the executor auctions every task on open and the served policy is compared with the same auctions in-process." };
        var plot = new Option<string?>("--plot") { Description = "Also write a PNG of cost vs success per strategy, one panel per domain (e.g. frontier.png)." };
        var sale = new Option<bool>("--sale") { Description = "Also run SALE strategy auctions (and ablations) on the sale pool, next to the largest agent alone and the oracle (needs --pool sale)." };
        var saleTasks = new Option<int>("--sale-tasks-per-cell") { Description = "Held-out tasks per cell for the SALE rows (each is a full auction).", DefaultValueFactory = _ => 100 };
        var saleTrain = new Option<int>("--sale-train-tasks-per-cell") { Description = "Training tasks per cell for the SALE weight fits (fewer than ~30 per cell over-fit: docs/sale.md).", DefaultValueFactory = _ => 30 };
        var saleFit = new Option<int>("--sale-fit-seconds") { Description = "Time limit of each SALE weight fit (MILP).", DefaultValueFactory = _ => 30 };
        var saleVariants = new Option<string?>("--sale-variants") { Description = "Comma-separated subset of: " + string.Join(", ", SaleVariant.All.Select(v => v.Name)) + " (default: all)." };
        var redis = new Option<string?>("--redis") { Description = "Redis for the SALE rows' memory service. Default: an embedded Redis-compatible server." };
        var throughServices = new Option<bool>("--through-services") { Description = "Run the policy service's served model through the services `routing up` starts (executor RunTask) and compare with the same model in-process; exit 1 when they differ. --tasks-per-cell defaults to " + ThroughServicesDefaultTasksPerCell + " here." };
        var concurrency = new Option<int>("--concurrency") { Description = "Episodes run at once through the services (--through-services).", DefaultValueFactory = _ => 8 };
        var command = new Command("routing", "Routing strategies on the simulator's held-out tasks: success, cost and large-model share per domain and bin (simulator figures).")
        {
            tasksPerCell, seed, budget, cap, pool, randomP, firstLarge, strategies, threads, json, policies, costPreferences, auctionsOption, plot, sale, saleTasks, saleTrain, saleFit, saleVariants, redis, throughServices, concurrency,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(throughServices))
            {
                if (parse.GetValue(strategies) is not null || parse.GetValue(policies) is not null || parse.GetValue(costPreferences) is not null || parse.GetValue(sale) || parse.GetValue(plot) is not null || parse.GetValue(json))
                {
                    await Console.Error.WriteLineAsync("--through-services runs the policy service's served model only; it takes no --strategies, --policies, --cost-preferences, --sale, --plot or --json");
                    return 2;
                }

                var perCell = parse.GetResult(tasksPerCell) is { Implicit: false } ? parse.GetValue(tasksPerCell) : ThroughServicesDefaultTasksPerCell;
                return await ThroughServicesCommand.RunAsync(
                    new ThroughServicesSettings(parse.GetValue(seed), perCell, parse.GetValue(budget) ?? ThroughServicesSettings.NonBindingLimitMicros, parse.GetValue(cap), parse.GetValue(concurrency), parse.GetValue(auctionsOption)),
                    parse.GetValue(pool) ?? "step", cancellationToken);
            }

            var settings = new RoutingBenchSettings(
                new FrontierSettings
                {
                    TasksPerCell = parse.GetValue(tasksPerCell),
                    Seed = parse.GetValue(seed),
                    BudgetMicros = parse.GetValue(budget),
                    LargeCallCap = parse.GetValue(cap),
                    Pool = parse.GetValue(pool) ?? "step",
                    Threads = parse.GetValue(threads),
                },
                parse.GetValue(randomP),
                parse.GetValue(firstLarge),
                ParseList(parse.GetValue(strategies)),
                parse.GetValue(policies),
                ParseList(parse.GetValue(costPreferences)),
                parse.GetValue(auctionsOption));
            var problems = settings.Validate();
            var plotPath = parse.GetValue(plot);
            if (plotPath is not null && !plotPath.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"--plot must name a .png file, not '{plotPath}'");
            }

            var saleSettings = parse.GetValue(sale)
                ? new SaleBenchSettings(settings.Frontier.Seed, parse.GetValue(saleTasks), parse.GetValue(saleTrain), TimeSpan.FromSeconds(parse.GetValue(saleFit)), parse.GetValue(redis), ParseList(parse.GetValue(saleVariants)))
                : null;
            if (saleSettings is not null)
            {
                problems.AddRange(saleSettings.Validate());
                if (settings.Frontier.Pool != Simulation.Agents.AgentPool.SalePoolName)
                {
                    problems.Add("--sale needs --pool sale");
                }
            }

            if (problems.Count > 0)
            {
                foreach (var problem in problems)
                {
                    Console.Error.WriteLine(problem);
                }

                return 2;
            }

            StepPairAuctions? auctions = null;
            if (settings.Auctions)
            {
                auctions = new StepPairAuctions(SimulatorModel.Default, share: 1);
                await auctions.PrepareWithProgressAsync([(settings.Frontier.Seed, settings.Frontier.TasksPerCell, "held-out")], cancellationToken);
            }

            var report = Run(settings, showProgress: true, cancellationToken, auctions);
            Print(report);
            if (plotPath is not null)
            {
                FrontierPlot.Save(report, plotPath);
                Console.Error.WriteLine($"wrote {plotPath}");
            }

            SaleBenchReport? saleReport = null;
            if (saleSettings is not null)
            {
                saleReport = await RunSaleAsync(saleSettings, cancellationToken);
                SaleBenchOutput.Print(saleReport);
            }

            if (parse.GetValue(json))
            {
                Console.WriteLine(ToJson(report));
                if (saleReport is not null)
                {
                    Console.WriteLine(SaleBenchOutput.ToJson(saleReport));
                }
            }

            return report.TotalOverruns == 0 || !settings.Frontier.Constrained ? 0 : 1;
        });
        return command;
    }

    /// <summary>Runs the frontier; with <paramref name="showProgress"/> a progress bar runs on standard error.</summary>
    /// <param name="auctions">The held-out tasks' auctions, prepared, when <see cref="RoutingBenchSettings.Auctions"/> is set.</param>
    public static FrontierReport Run(RoutingBenchSettings settings, bool showProgress = false, CancellationToken cancellationToken = default, ITaskAuctions? auctions = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var problems = settings.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(settings));
        }

        var evaluator = new FrontierEvaluator(SimulatorModel.Default);
        if (settings.Auctions && auctions is null)
        {
            throw new ArgumentException("--auctions needs the held-out tasks' auctions prepared", nameof(auctions));
        }

        var strategies = settings.Strategies(auctions);
        if (!showProgress)
        {
            return evaluator.Run(settings.Frontier, strategies, cancellationToken: cancellationToken);
        }

        FrontierReport? report = null;
        StandardErrorProgress.Create().Start(context =>
        {
            var bar = context.AddTask($"simulated episodes ({strategies.Count} strategies)", maxValue: 1);
            report = evaluator.Run(settings.Frontier, strategies, (done, all) => bar.Value = (double)done / all, cancellationToken);
            bar.Value = 1;
        });
        return report!;
    }

    /// <summary>Runs the SALE rows with a progress bar per phase and variant on standard error.</summary>
    public static async Task<SaleBenchReport> RunSaleAsync(SaleBenchSettings settings, CancellationToken cancellationToken)
    {
        SaleBenchReport? report = null;
        await StandardErrorProgress.Create().StartAsync(async context =>
        {
            var bars = new System.Collections.Concurrent.ConcurrentDictionary<string, ProgressTask>();
            report = await SaleBench.RunAsync(SimulatorModel.Default, settings, (phase, done, all) =>
            {
                var bar = bars.GetOrAdd(phase, p => context.AddTask("SALE " + p, maxValue: all));
                bar.Value = done;
            }, cancellationToken);
        });
        return report!;
    }

    /// <summary>The report as one line of JSON (snake_case; success and large_share as fractions).</summary>
    public static string ToJson(FrontierReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var strategies = new List<RoutingBenchStrategyJson>(report.Strategies.Count);
        foreach (var s in report.Strategies)
        {
            strategies.Add(new RoutingBenchStrategyJson(
                s.Name, s.Overall.SuccessPct / 100, s.Overall.CostUsd, s.Overall.MeanCostMicros, s.CostVsAlwaysLarge,
                s.Overall.LargeShare, s.Overall.LargeTaskShare, s.Overall.Overruns, s.Overall.Episodes,
                [.. s.Domains.Select(Cell)], [.. s.Bins.Select(Cell)], [.. s.Cells.Select(Cell)]));
        }

        var dto = new RoutingBenchJson(
            "routing", report.Source, report.Seed, report.TasksPerCell, report.Pool, report.SmallAgent, report.LargeAgent,
            report.BudgetMicros, report.LargeCallCap, report.TotalOverruns, strategies);
        return JsonSerializer.Serialize(dto, RoutingBenchJsonContext.Default.RoutingBenchJson);

        static RoutingBenchCellJson Cell(FrontierCell c) => new(
            c.Domain, c.Bin < 0 ? null : c.Bin, c.BinLabel, c.Figures.SuccessPct / 100, c.Figures.CostUsd, c.Figures.MeanCostMicros,
            c.Figures.LargeShare, c.Figures.Overruns, c.Figures.Episodes);
    }

    private static List<string>? ParseList(string? value) =>
        string.IsNullOrWhiteSpace(value) ? null : [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    private static void Print(FrontierReport report)
    {
        var inv = CultureInfo.InvariantCulture;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (Console.IsOutputRedirected)
        {
            // Piped into a file or a pager: keep the 13-column table on one line per strategy.
            console.Profile.Width = 160;
        }

        console.MarkupLine(inv,
            "[bold]Routing frontier — SIMULATOR figures[/] (seeded agent simulator, not real agents) · pool [bold]{0}[/] ({1} → {2}) · {3} held-out tasks per cell, seed {4}",
            report.Pool, Markup.Escape(report.SmallAgent), Markup.Escape(report.LargeAgent), report.TasksPerCell, report.Seed);
        if (report.BudgetMicros is not null || report.LargeCallCap is not null)
        {
            console.MarkupLine(inv, "hard budget: {0} · large-call cap K: {1} · budget-constrained decoding on every strategy",
                report.BudgetMicros is { } b ? b.ToString("N0", inv) + " µ$" : "none", report.LargeCallCap?.ToString(inv) ?? "none");
        }

        var table = new Table().AddColumns("strategy", "success %", "µ$/task", "vs large", "large share", "overruns");
        for (var b = 0; b < Simulation.Tasks.TaskSpace.BinCount; b++)
        {
            table.AddColumn(new TableColumn(Markup.Escape(Simulation.Tasks.TaskSpace.BinLabel(b))).RightAligned());
        }

        table.AddColumns("search %", "coding %");
        foreach (var s in report.Strategies)
        {
            var row = new List<string>
            {
                Markup.Escape(s.Name),
                s.Overall.SuccessPct.ToString("F1", inv),
                s.Overall.MeanCostMicros.ToString("N0", inv),
                s.CostVsAlwaysLarge is { } r ? r.ToString("F2", inv) : "–",
                s.Overall.LargeShare.ToString("P0", inv),
                s.Overall.Overruns.ToString(inv),
            };
            foreach (var bin in s.Bins)
            {
                row.Add(bin.Figures.SuccessPct.ToString("F1", inv));
            }

            foreach (var domain in s.Domains)
            {
                row.Add(domain.Figures.SuccessPct.ToString("F1", inv));
            }

            table.AddRow([.. row]);
        }

        console.Write(table);
        console.MarkupLine(inv, "per-bin columns: success % over both domains · overruns {0} · all figures from the simulator", report.TotalOverruns);
    }
}

/// <summary>Settings of <c>routing bench routing</c>.</summary>
/// <param name="PoliciesDirectory">Trained policies to run beside the baselines (<see cref="TrainedPolicyStrategies"/>); step pool only.</param>
/// <param name="CostPreferences">Operating points λ of the trained policies, as given (parsed by <see cref="Validate"/>); null: λ 0 only.</param>
/// <param name="Auctions">Also run the trained policies with a step-pair auction before every task (rows <c>&lt;name&gt;+auction</c>).</param>
public sealed record RoutingBenchSettings(FrontierSettings Frontier, double RandomLargeProbability = 0.5, int FirstLargeSteps = 1, IReadOnlyList<string>? Only = null, string? PoliciesDirectory = null, IReadOnlyList<string>? CostPreferences = null, bool Auctions = false)
{
    /// <summary>The parsed operating points; valid after <see cref="Validate"/> reported no problem.</summary>
    public IReadOnlyList<double> Lambdas => CostPreferences is null ? [0]
        : [.. CostPreferences.Select(c => TryParseLambda(c, out var lambda) ? lambda : throw new ArgumentException($"--cost-preferences: '{c}' is not a number between 0 and 1000"))];

    /// <summary>An operating point as the policy service accepts one: finite, 0 to 1000.</summary>
    private static bool TryParseLambda(string text, out double lambda) =>
        double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out lambda)
        && double.IsFinite(lambda) && lambda >= 0 && lambda <= Routing.Policy.Grpc.RequestValidation.MaxCostPreference;

    public List<string> Validate()
    {
        var problems = Frontier.Validate();
        if (RandomLargeProbability is < 0 or > 1 || double.IsNaN(RandomLargeProbability))
        {
            problems.Add("--random-p must be between 0 and 1");
        }

        if (FirstLargeSteps < 0)
        {
            problems.Add("--first-large-k must be ≥ 0");
        }

        if (PoliciesDirectory is not null)
        {
            if (!Directory.Exists(PoliciesDirectory))
            {
                problems.Add($"--policies: directory {PoliciesDirectory} does not exist");
            }

            if (Frontier.Pool != Simulation.Agents.AgentPool.StepPairName)
            {
                problems.Add("--policies needs --pool step: trained policies choose between the step pair's small and large model");
            }
        }

        if (Auctions && PoliciesDirectory is null)
        {
            problems.Add("--auctions feeds auction outcomes to trained policies: give --policies too");
        }

        if (Auctions && Frontier.BudgetMicros is not null)
        {
            problems.Add("--auctions with --budget-micros: the auction would spend from the task's budget, which the rows do not model; use --large-cap or no limit");
        }

        if (CostPreferences is not null)
        {
            if (PoliciesDirectory is null)
            {
                problems.Add("--cost-preferences applies to trained policies: give --policies too");
            }

            if (CostPreferences.Count == 0)
            {
                problems.Add("--cost-preferences must name at least one λ");
            }

            foreach (var text in CostPreferences)
            {
                if (!TryParseLambda(text, out _))
                {
                    problems.Add($"--cost-preferences: '{text}' is not a number between 0 and 1000");
                }
            }
        }

        if (Only is not null)
        {
            if (Only.Count == 0)
            {
                problems.Add("--strategies must name at least one strategy");
            }

            foreach (var name in Only)
            {
                if (!RoutingBenchCommand.StrategyNames.Contains(name))
                {
                    problems.Add($"--strategies: unknown strategy '{name}'; expected one of {string.Join(", ", RoutingBenchCommand.StrategyNames)}");
                }
            }
        }

        return problems;
    }

    /// <summary>The baselines, filtered by <see cref="Only"/> when given, in report order, then the trained policies.</summary>
    /// <param name="auctions">The held-out tasks' auctions for the <c>+auction</c> rows (with <see cref="Auctions"/>).</param>
    public IReadOnlyList<RoutingStrategy> Strategies(ITaskAuctions? auctions = null)
    {
        var all = RoutingStrategy.Baselines(RandomLargeProbability, FirstLargeSteps, Frontier.Seed);
        var chosen = new List<RoutingStrategy>();
        for (var i = 0; i < all.Count; i++)
        {
            if (Only is null || Only.Contains(RoutingBenchCommand.StrategyNames[i]))
            {
                chosen.Add(all[i]);
            }
        }

        if (PoliciesDirectory is not null)
        {
            chosen.AddRange(TrainedPolicyStrategies.Load(PoliciesDirectory, Frontier.BudgetMicros, Frontier.LargeCallCap, Lambdas, Auctions ? auctions : null));
        }

        return chosen;
    }
}

public sealed record RoutingBenchCellJson(
    string Domain, int? Bin, string BinLabel, double Success, double CostUsd, long MeanCostMicros, double LargeShare, int Overruns, int Episodes);

public sealed record RoutingBenchStrategyJson(
    string Name, double Success, double CostUsd, long MeanCostMicros, double? CostVsLarge, double LargeShare, double LargeTaskShare,
    int Overruns, int Episodes, IReadOnlyList<RoutingBenchCellJson> Domains, IReadOnlyList<RoutingBenchCellJson> Bins, IReadOnlyList<RoutingBenchCellJson> Cells);

public sealed record RoutingBenchJson(
    string Benchmark, string Source, ulong Seed, int TasksPerCell, string Pool, string SmallAgent, string LargeAgent,
    long? BudgetMicros, int? LargeCap, int Overruns, IReadOnlyList<RoutingBenchStrategyJson> Strategies);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(RoutingBenchJson))]
public sealed partial class RoutingBenchJsonContext : JsonSerializerContext;
