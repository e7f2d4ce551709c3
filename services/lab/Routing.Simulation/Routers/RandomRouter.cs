using Routing.Simulation.Agents;
using Routing.Simulation.Episodes;
using Routing.Simulation.Sampling;
using Routing.Simulation.Tasks;

namespace Routing.Simulation.Routers;

/// <summary>
/// random(p): the largest agent with probability p at every step, else the
/// smallest. The draws are seeded from (router seed, task seed), so an episode is the same whichever thread
/// or router instance plays it.
/// </summary>
public sealed class RandomRouter : IStepRouter
{
    private readonly double _largeProbability;
    private readonly ulong _seed;
    private Xoshiro256 _rng;

    public RandomRouter(double largeProbability, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(largeProbability);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(largeProbability, 1.0);
        _largeProbability = largeProbability;
        _seed = seed;
    }

    public double LargeProbability => _largeProbability;

    public void BeginEpisode(in SimTask task, AgentPool pool) => _rng = new Xoshiro256(Xoshiro256.Mix(_seed, task.Seed));

    public int ChooseAgent(in StepContext context) =>
        _rng.NextDouble() < _largeProbability ? context.Pool.Largest : context.Pool.Smallest;
}
