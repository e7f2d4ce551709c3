using Routing.Simulation.Agents;
using Routing.Simulation.Episodes;
using Routing.Simulation.Tasks;

namespace Routing.Simulation.Routers;

/// <summary>
/// The oracle: per task, the cheapest agent of the pool whose fixed run succeeds. It knows this by
/// deterministic replay — before the episode it plays the task once with every agent fixed (same task seed
/// and attempt, so the same luck as the real episode) and then calls the cheapest successful one on every
/// step. When no agent succeeds it runs the agent whose failed run was cheapest ("fail cheaply").
/// An upper reference, not a deployable router.
/// </summary>
public sealed class OracleRouter : IStepRouter
{
    private readonly EpisodeRunner _runner;
    private readonly int _attempt;
    private readonly Func<int, IStepRouter> _candidate;
    private int _chosen;

    /// <param name="runner">Runner over the pool the oracle picks from (must be the evaluated pool).</param>
    /// <param name="attempt">The attempt the evaluated episode will use, so the replay sees the same luck.</param>
    /// <param name="candidate">The router of a fixed run of one agent (e.g. wrapped in a budget); default fixed.</param>
    public OracleRouter(EpisodeRunner runner, int attempt = 0, Func<int, IStepRouter>? candidate = null)
    {
        ArgumentNullException.ThrowIfNull(runner);
        _runner = runner;
        _attempt = attempt;
        _candidate = candidate ?? (agent => new FixedAgentRouter(agent));
    }

    /// <summary>The agent picked for the current episode.</summary>
    public int Chosen => _chosen;

    public void BeginEpisode(in SimTask task, AgentPool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (!ReferenceEquals(pool, _runner.Pool))
        {
            throw new ArgumentException($"The oracle replays on pool '{_runner.Pool.Name}' but is asked to route on '{pool.Name}'.", nameof(pool));
        }

        var bestSuccess = -1;
        var bestSuccessCost = long.MaxValue;
        var cheapestFailure = 0;
        var cheapestFailureCost = long.MaxValue;
        for (var agent = 0; agent < pool.Count; agent++)
        {
            var result = _runner.Run(task, _candidate(agent), _attempt);
            if (result.Success && result.CostMicros < bestSuccessCost)
            {
                bestSuccess = agent;
                bestSuccessCost = result.CostMicros;
            }
            else if (!result.Success && result.CostMicros < cheapestFailureCost)
            {
                cheapestFailure = agent;
                cheapestFailureCost = result.CostMicros;
            }
        }

        _chosen = bestSuccess >= 0 ? bestSuccess : cheapestFailure;
    }

    public int ChooseAgent(in StepContext context) => _chosen;
}
