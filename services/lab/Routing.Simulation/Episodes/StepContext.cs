using Routing.Simulation.Agents;
using Routing.Simulation.Observations;
using Routing.Simulation.Tasks;

namespace Routing.Simulation.Episodes;

/// <summary>What a router knows before a step: the task's public face, spend, history size and the last observation.</summary>
public readonly struct StepContext
{
    internal StepContext(in SimTask task, AgentPool pool, int step, long spentMicros, long contextTokens, int errorsSoFar, int callsOnLargest, in StepObservation last)
    {
        Task = task;
        Pool = pool;
        Step = step;
        SpentMicros = spentMicros;
        ContextTokens = contextTokens;
        ErrorsSoFar = errorsSoFar;
        CallsOnLargest = callsOnLargest;
        Last = last;
    }

    public SimTask Task { get; }

    public AgentPool Pool { get; }

    /// <summary>0-based index of the step about to be taken.</summary>
    public int Step { get; }

    public int Horizon => Task.Horizon;

    /// <summary>Micro-dollars spent by the episode so far.</summary>
    public long SpentMicros { get; }

    /// <summary>Input tokens the next call will carry (prompt plus the whole history).</summary>
    public long ContextTokens { get; }

    /// <summary>Error observations reported so far in this episode.</summary>
    public int ErrorsSoFar { get; }

    /// <summary>Calls made so far on the pool's most expensive agent (for large-call caps K).</summary>
    public int CallsOnLargest { get; }

    /// <summary>True from the second step on.</summary>
    public bool HasLast => Step > 0;

    /// <summary>The previous step's observation; default before the first step.</summary>
    public StepObservation Last { get; }

    /// <summary>What the next call could cost at most on the given agent (output at its cap), for budget masking.</summary>
    public long WorstCaseCostMicros(int agent) => Pool[agent].WorstCaseCostMicros(ContextTokens);
}
