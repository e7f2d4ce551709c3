using Routing.Simulation.Agents;
using Routing.Simulation.Episodes;
using Routing.Simulation.Routers;
using Routing.Simulation.Tasks;

namespace Routing.Simulation.Benchmark;

/// <summary>
/// Runs the held-out task set through routing strategies and tallies the frontier. Tasks are spread over
/// worker threads, each with its own routers; every episode depends only on (seed, task, strategy) and the
/// tallies are integer sums taken in task order, so the report is identical for any thread count.
/// </summary>
public sealed class FrontierEvaluator
{
    private readonly SimulatorModel _model;

    public FrontierEvaluator(SimulatorModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
    }

    /// <param name="progress">Called with (tasks done, tasks in all) from worker threads, now and then.</param>
    public FrontierReport Run(FrontierSettings settings, IReadOnlyList<RoutingStrategy> strategies, Action<int, int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(strategies);
        var problems = settings.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(settings));
        }

        if (strategies.Count == 0)
        {
            throw new ArgumentException("At least one strategy is needed.", nameof(strategies));
        }

        var pool = settings.Pool == AgentPool.SalePoolName ? _model.SalePool : _model.StepPair;
        var runner = new EpisodeRunner(_model, pool);
        var generator = new TaskGenerator(_model, settings.Seed);
        var cells = TaskSpace.DomainCount * TaskSpace.BinCount;
        var taskCount = cells * settings.TasksPerCell;
        var results = new EpisodeResult[strategies.Count][];
        for (var s = 0; s < results.Length; s++)
        {
            results[s] = new EpisodeResult[taskCount];
        }

        Func<IStepRouter, IStepRouter> constrain = settings.Constrained
            ? inner => new BudgetConstrainedRouter(inner, settings.BudgetMicros, settings.LargeCallCap)
            : inner => inner;
        var done = 0;
        var reportEvery = Math.Max(1, taskCount / 200);
        var options = new ParallelOptions { MaxDegreeOfParallelism = settings.Threads, CancellationToken = cancellationToken };
        Parallel.For(
            0,
            taskCount,
            options,
            () =>
            {
                var routers = new IStepRouter[strategies.Count];
                for (var s = 0; s < routers.Length; s++)
                {
                    routers[s] = constrain(strategies[s].Create(runner, constrain));
                }

                return routers;
            },
            (i, _, routers) =>
            {
                // Task i: cell-major order, so the n-th task of a cell is the same for any tasks-per-cell.
                var task = generator.CreateCellMajor(i, settings.TasksPerCell);
                for (var s = 0; s < routers.Length; s++)
                {
                    var result = runner.Run(task, routers[s]);
                    results[s][i] = strategies[s].OverheadMicros is { } overhead ? result with { CostMicros = result.CostMicros + overhead(task) } : result;
                }

                var now = Interlocked.Increment(ref done);
                if (progress is not null && (now % reportEvery == 0 || now == taskCount))
                {
                    progress(now, taskCount);
                }

                return routers;
            },
            _ => { });

        var frontiers = new List<StrategyFrontier>(strategies.Count);
        long? largeTotal = null;
        for (var s = 0; s < strategies.Count; s++)
        {
            if (strategies[s].Name == RoutingStrategy.AlwaysLarge)
            {
                largeTotal = Tally(results[s], 0, taskCount, settings).TotalCostMicros;
            }
        }

        for (var s = 0; s < strategies.Count; s++)
        {
            frontiers.Add(Summarise(strategies[s].Name, results[s], settings, largeTotal));
        }

        return new FrontierReport(
            "simulator", settings.Seed, settings.TasksPerCell, pool.Name, pool[pool.Smallest].Name, pool[pool.Largest].Name,
            settings.BudgetMicros, settings.LargeCallCap, frontiers);
    }

    /// <summary>
    /// Tallies one strategy's episodes, given in cell-major order (<see cref="FrontierSettings.TasksPerCell"/> per
    /// cell), overall, per domain, per bin and per cell; <paramref name="largeTotalCost"/> gives the cost ratio.
    /// </summary>
    public static StrategyFrontier Summarise(string name, EpisodeResult[] results, FrontierSettings settings, long? largeTotalCost)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(settings);
        var n = settings.TasksPerCell;
        var cells = new List<FrontierCell>(TaskSpace.DomainCount * TaskSpace.BinCount);
        var domains = new List<FrontierCell>(TaskSpace.DomainCount);
        var bins = new List<FrontierCell>(TaskSpace.BinCount);
        for (var d = 0; d < TaskSpace.DomainCount; d++)
        {
            var domainName = TaskSpace.Name((Domain)d);
            domains.Add(new FrontierCell(domainName, -1, "all", Tally(results, d * TaskSpace.BinCount * n, TaskSpace.BinCount * n, settings)));
            for (var b = 0; b < TaskSpace.BinCount; b++)
            {
                cells.Add(new FrontierCell(domainName, b, TaskSpace.BinLabel(b), Tally(results, ((d * TaskSpace.BinCount) + b) * n, n, settings)));
            }
        }

        for (var b = 0; b < TaskSpace.BinCount; b++)
        {
            var search = cells[b].Figures;
            var coding = cells[TaskSpace.BinCount + b].Figures;
            bins.Add(new FrontierCell("all", b, TaskSpace.BinLabel(b), new FrontierFigures(
                search.Episodes + coding.Episodes, search.Successes + coding.Successes, search.TotalCostMicros + coding.TotalCostMicros,
                search.Steps + coding.Steps, search.LargeCalls + coding.LargeCalls, search.TasksTouchingLarge + coding.TasksTouchingLarge,
                search.Overruns + coding.Overruns)));
        }

        var overall = Tally(results, 0, results.Length, settings);
        double? relative = largeTotalCost is > 0 ? (double)overall.TotalCostMicros / largeTotalCost.Value : null;
        return new StrategyFrontier(name, overall, relative, domains, bins, cells);
    }

    private static FrontierFigures Tally(EpisodeResult[] results, int start, int count, FrontierSettings settings)
    {
        int successes = 0, touching = 0, overruns = 0;
        long cost = 0, steps = 0, large = 0;
        for (var i = start; i < start + count; i++)
        {
            var r = results[i];
            successes += r.Success ? 1 : 0;
            cost += r.CostMicros;
            steps += r.Steps;
            large += r.CallsOnLargest;
            touching += r.CallsOnLargest > 0 ? 1 : 0;
            if (IsOverrun(r, settings))
            {
                overruns++;
            }
        }

        return new FrontierFigures(count, successes, cost, steps, large, touching, overruns);
    }

    /// <summary>An episode overran when it spent more than the budget or called the largest agent more than K times.</summary>
    public static bool IsOverrun(in EpisodeResult result, FrontierSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return (settings.BudgetMicros is { } budget && result.CostMicros > budget)
            || (settings.LargeCallCap is { } cap && result.CallsOnLargest > cap);
    }
}
