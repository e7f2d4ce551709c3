using Routing.Simulation.Episodes;
using Routing.Simulation.Routers;
using Routing.Simulation.Tasks;
using Routing.Training.Features;
using Routing.Training.Network;
using Routing.Training.Rollouts;

namespace Routing.Training.Pipeline;

/// <summary>Success and cost of one router over a task set (attempt 0 of each task).</summary>
public sealed record EvaluationFigures(int Episodes, double SuccessRate, double MeanCostMicros, double LargeShare, int Overruns);

/// <summary>Greedy evaluation of trained weights (and of the boundary policies) on validation tasks, in parallel and deterministic.</summary>
public static class PolicyEvaluation
{
    public static EvaluationFigures Greedy(EpisodeRunner runner, IReadOnlyList<SimTask> tasks, MlpParameters parameters, EpisodeConstraints constraints, int threads, ITaskAuctions? auctions = null) =>
        Run(runner, tasks, () => new PolicyStepRouter(parameters, sample: false, constraints) { Auctions = auctions }, constraints, threads);

    public static EvaluationFigures Fixed(EpisodeRunner runner, IReadOnlyList<SimTask> tasks, int agent, int threads) =>
        Run(runner, tasks, () => new FixedAgentRouter(agent), EpisodeConstraints.None, threads);

    private static EvaluationFigures Run(EpisodeRunner runner, IReadOnlyList<SimTask> tasks, Func<IStepRouter> create, EpisodeConstraints constraints, int threads)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(tasks);
        var results = new EpisodeResult[tasks.Count];
        Parallel.For(0, tasks.Count, new ParallelOptions { MaxDegreeOfParallelism = threads },
            () => constraints.Any ? new BudgetConstrainedRouter(create(), constraints.BudgetMicros, constraints.LargeCallCap) : create(),
            (i, _, router) =>
            {
                results[i] = runner.Run(tasks[i], router);
                return router;
            },
            _ => { });
        long cost = 0, steps = 0, large = 0;
        int successes = 0, overruns = 0;
        foreach (var r in results)
        {
            successes += r.Success ? 1 : 0;
            cost += r.CostMicros;
            steps += r.Steps;
            large += r.CallsOnLargest;
            if ((constraints.BudgetMicros is { } b && r.CostMicros > b) || (constraints.LargeCallCap is { } k && r.CallsOnLargest > k))
            {
                overruns++;
            }
        }

        var n = Math.Max(1, results.Length);
        return new EvaluationFigures(results.Length, (double)successes / n, (double)cost / n, steps > 0 ? (double)large / steps : 0, overruns);
    }
}
