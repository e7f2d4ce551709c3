namespace Routing.Simulation.Episodes;

/// <summary>Why an episode ended.</summary>
public enum EpisodeEnd
{
    /// <summary>The final answer was submitted and is correct.</summary>
    Solved = 0,

    /// <summary>The final answer was submitted but a silent error earlier made it wrong.</summary>
    WrongAnswer,

    /// <summary>Errors piled up until the agent was stuck.</summary>
    Stuck,

    /// <summary>The horizon ran out before the work was done.</summary>
    HorizonReached,

    /// <summary>The router returned <see cref="StepDecision.Stop"/> (e.g. no model fits the budget).</summary>
    StoppedByRouter,
}

/// <summary>The verdict and totals of one episode.</summary>
public readonly record struct EpisodeResult
{
    public bool Success => End == EpisodeEnd.Solved;

    public EpisodeEnd End { get; init; }

    /// <summary>Model calls made.</summary>
    public int Steps { get; init; }

    public long CostMicros { get; init; }

    public long InputTokens { get; init; }

    public long OutputTokens { get; init; }

    /// <summary>Calls made on the pool's most expensive agent.</summary>
    public int CallsOnLargest { get; init; }

    /// <summary>Error observations reported during the episode.</summary>
    public int ReportedErrors { get; init; }
}
