using Routing.Simulation.Agents;
using Routing.Simulation.Episodes;
using Routing.Simulation.Sampling;
using Routing.Simulation.Tasks;

namespace Routing.Training.Rollouts;

/// <summary>The SFT sweep's mixed policy: the largest agent with probability <c>P(large)</c> at every step, else the smallest.</summary>
public sealed class MixedRouter(double largeProbability, ulong seed) : IStepRouter
{
    private Xoshiro256 _rng = new(seed);

    public void BeginEpisode(in SimTask task, AgentPool pool)
    {
    }

    public int ChooseAgent(in StepContext context) =>
        _rng.NextDouble() < largeProbability ? context.Pool.Largest : context.Pool.Smallest;
}
