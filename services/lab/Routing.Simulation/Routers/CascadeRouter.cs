using Routing.Simulation.Agents;
using Routing.Simulation.Episodes;
using Routing.Simulation.Tasks;

namespace Routing.Simulation.Routers;

/// <summary>
/// Cascade: the smallest agent until a step reports an error, then the largest agent for the rest of the
/// episode (escalation is sticky: once the cheap model has visibly failed, it is not trusted again).
/// </summary>
public sealed class CascadeRouter : IStepRouter
{
    private bool _escalated;

    public void BeginEpisode(in SimTask task, AgentPool pool) => _escalated = false;

    public int ChooseAgent(in StepContext context)
    {
        if (!_escalated && context.HasLast && context.Last.IsError)
        {
            _escalated = true;
        }

        return _escalated ? context.Pool.Largest : context.Pool.Smallest;
    }
}
