using Routing.Simulation.Agents;
using Routing.Simulation.Tasks;

namespace Routing.Simulation.Episodes;

/// <summary>
/// Picks the agent for every step of an episode. The step router (BoPO), SALE and the benchmark baselines
/// implement this. Called on the episode's thread; a router that keeps per-episode state must not be
/// shared between threads.
/// </summary>
public interface IStepRouter
{
    /// <summary>Called once before the first step, e.g. to reset per-episode state.</summary>
    void BeginEpisode(in SimTask task, AgentPool pool);

    /// <summary>Index of the agent for this step, or <see cref="StepDecision.Stop"/> to end the episode now.</summary>
    int ChooseAgent(in StepContext context);
}

/// <summary>Special return values of <see cref="IStepRouter.ChooseAgent"/>.</summary>
public static class StepDecision
{
    /// <summary>End the episode without another call (e.g. nothing fits the remaining budget).</summary>
    public const int Stop = -1;
}
