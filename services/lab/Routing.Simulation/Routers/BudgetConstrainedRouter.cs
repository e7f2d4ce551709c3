using Routing.Simulation.Agents;
using Routing.Simulation.Episodes;
using Routing.Simulation.Tasks;

namespace Routing.Simulation.Routers;

/// <summary>
/// Budget-constrained decoding around any router: the inner router's choice is masked when its worst-case
/// cost (<see cref="StepContext.WorstCaseCostMicros"/>) would overrun the remaining budget, or when it is the
/// largest agent and the large-call cap K is used up; it then falls back to the next cheaper agent, and
/// returns <see cref="StepDecision.Stop"/> when nothing fits. Because the worst case bounds the real cost,
/// an episode under this wrapper never spends more than the budget and never calls the largest agent more
/// than K times.
/// </summary>
public sealed class BudgetConstrainedRouter : IStepRouter
{
    private readonly IStepRouter _inner;

    /// <param name="inner">The router whose choices are masked.</param>
    /// <param name="budgetMicros">Hard per-episode budget in micro-dollars; null for none.</param>
    /// <param name="largeCallCap">Most calls the episode may make on the largest agent (K); null for none.</param>
    public BudgetConstrainedRouter(IStepRouter inner, long? budgetMicros, int? largeCallCap)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (budgetMicros is { } b)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(b, nameof(budgetMicros));
        }

        if (largeCallCap is { } k)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(k, nameof(largeCallCap));
        }

        _inner = inner;
        BudgetMicros = budgetMicros;
        LargeCallCap = largeCallCap;
    }

    public long? BudgetMicros { get; }

    public int? LargeCallCap { get; }

    /// <summary>Steps of the current episode on which the inner router's choice was masked.</summary>
    public int MaskedSteps { get; private set; }

    public void BeginEpisode(in SimTask task, AgentPool pool)
    {
        MaskedSteps = 0;
        _inner.BeginEpisode(task, pool);
    }

    public int ChooseAgent(in StepContext context)
    {
        var wanted = _inner.ChooseAgent(context);
        if (wanted == StepDecision.Stop)
        {
            return StepDecision.Stop;
        }

        for (var agent = wanted; agent >= 0; agent--)
        {
            if (Fits(context, agent))
            {
                if (agent != wanted)
                {
                    MaskedSteps++;
                }

                return agent;
            }
        }

        MaskedSteps++;
        return StepDecision.Stop;
    }

    private bool Fits(in StepContext context, int agent)
    {
        if (LargeCallCap is { } cap && agent == context.Pool.Largest && context.CallsOnLargest >= cap)
        {
            return false;
        }

        return BudgetMicros is not { } budget || context.SpentMicros + context.WorstCaseCostMicros(agent) <= budget;
    }
}
