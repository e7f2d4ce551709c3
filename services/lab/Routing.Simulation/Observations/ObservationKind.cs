namespace Routing.Simulation.Observations;

/// <summary>What the agent's environment showed after a step, as a router would see it.</summary>
public enum ObservationKind
{
    /// <summary>The tool call worked and nothing looked wrong.</summary>
    Progress = 0,

    /// <summary>The step worked but printed a harmless warning (noise: looks like trouble, is not).</summary>
    Warning,

    /// <summary>The agent submitted its final answer; the episode ends here.</summary>
    FinalAnswer,

    /// <summary>The agent repeated itself after earlier errors (apologies, the same call again).</summary>
    Looping,

    // Search errors.
    NoResults,
    HttpError,
    ParseError,

    // Coding errors.
    CompileError,
    TestFailure,
    RuntimeError,

    // Both domains.
    Timeout,
}

/// <summary>Classification helpers used by feature extractors.</summary>
public static class ObservationKinds
{
    /// <summary>True when the observation reports an error (warnings are not errors).</summary>
    public static bool IsError(this ObservationKind kind) => kind >= ObservationKind.Looping;
}
