using Routing.Simulation.Agents;
using Routing.Simulation.Episodes;
using Routing.Simulation.Tasks;

namespace Routing.Simulation.Routers;

/// <summary>First-Large(k): the largest agent for the first k steps (planning), then the smallest.</summary>
public sealed class FirstLargeRouter : IStepRouter
{
    public FirstLargeRouter(int largeSteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(largeSteps);
        LargeSteps = largeSteps;
    }

    public int LargeSteps { get; }

    public void BeginEpisode(in SimTask task, AgentPool pool)
    {
    }

    public int ChooseAgent(in StepContext context) => context.Step < LargeSteps ? context.Pool.Largest : context.Pool.Smallest;
}
