using Routing.Simulation.Agents;
using Routing.Simulation.Tasks;

namespace Routing.Simulation.Episodes;

/// <summary>Always calls the same agent: the "always-small" and "always-large" boundary policies, and calibration.</summary>
public sealed class FixedAgentRouter : IStepRouter
{
    private readonly int _agent;

    public FixedAgentRouter(int agent)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(agent);
        _agent = agent;
    }

    public void BeginEpisode(in SimTask task, AgentPool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (_agent >= pool.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(pool), $"Agent index {_agent} is outside pool '{pool.Name}' of {pool.Count} agents.");
        }
    }

    public int ChooseAgent(in StepContext context) => _agent;
}
