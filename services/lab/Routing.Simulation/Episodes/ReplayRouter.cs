using Routing.Simulation.Agents;
using Routing.Simulation.Tasks;

namespace Routing.Simulation.Episodes;

/// <summary>
/// Plays a recorded agent sequence, then stops. The simulator is deterministic in (seed, task, attempt, agent
/// sequence), so replaying a sequence reproduces exactly the episode those choices made.
/// </summary>
public sealed class ReplayRouter(IReadOnlyList<int> agents) : IStepRouter
{
    public void BeginEpisode(in SimTask task, AgentPool pool)
    {
    }

    public int ChooseAgent(in StepContext context) => context.Step < agents.Count ? agents[context.Step] : StepDecision.Stop;
}
