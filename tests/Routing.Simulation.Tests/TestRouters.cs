using Routing.Simulation.Agents;
using Routing.Simulation.Episodes;
using Routing.Simulation.Tasks;

namespace Routing.Simulation.Tests;

/// <summary>Smallest on even steps, largest on odd steps: exercises per-step choice.</summary>
internal sealed class AlternatingRouter : IStepRouter
{
    public void BeginEpisode(in SimTask task, AgentPool pool)
    {
    }

    public int ChooseAgent(in StepContext context) => context.Step % 2 == 0 ? context.Pool.Smallest : context.Pool.Largest;
}

/// <summary>Calls the largest agent until a fixed budget would be overrun by a worst-case call, then stops.</summary>
internal sealed class BudgetedLargeRouter(long budgetMicros) : IStepRouter
{
    public void BeginEpisode(in SimTask task, AgentPool pool)
    {
    }

    public int ChooseAgent(in StepContext context) =>
        context.SpentMicros + context.WorstCaseCostMicros(context.Pool.Largest) <= budgetMicros
            ? context.Pool.Largest
            : StepDecision.Stop;
}

/// <summary>Returns an index outside every pool.</summary>
internal sealed class BrokenRouter : IStepRouter
{
    public void BeginEpisode(in SimTask task, AgentPool pool)
    {
    }

    public int ChooseAgent(in StepContext context) => 99;
}

/// <summary>Largest on the first step and whenever the last observation flagged something that needs judgement.</summary>
internal sealed class CueRouter : IStepRouter
{
    public void BeginEpisode(in SimTask task, AgentPool pool)
    {
    }

    public int ChooseAgent(in StepContext context) =>
        context.Step == 0 || context.Last.NeedsJudgement ? context.Pool.Largest : context.Pool.Smallest;
}

/// <summary>Largest on the first step and on a seeded share of the others, blind to observations.</summary>
internal sealed class BlindShareRouter(double share, int seed) : IStepRouter
{
    private readonly Random _random = new(seed);

    public void BeginEpisode(in SimTask task, AgentPool pool)
    {
    }

    public int ChooseAgent(in StepContext context) =>
        context.Step == 0 || _random.NextDouble() < share ? context.Pool.Largest : context.Pool.Smallest;
}
