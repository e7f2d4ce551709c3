namespace Routing.Training.Episodes;

/// <summary>One step line of the episode log, as far as training needs it.</summary>
public sealed record LoggedStep(int Line, int Step, float[] Features, string Agent, int Tier, int? LargestTier, string Reason, long CostMicros);

/// <summary>A task's outcome line.</summary>
public sealed record LoggedOutcome(int Line, bool Success, long? SpentMicros);

/// <summary>The steps (in step order) and outcome of one task id of one tenant.</summary>
public sealed class LoggedEpisode(string tenant, string taskId)
{
    public string Tenant { get; } = tenant;

    public string TaskId { get; } = taskId;

    public List<LoggedStep> Steps { get; } = [];

    public LoggedOutcome? Outcome { get; set; }

    /// <summary>What the episode cost: the outcome's final committed spend, else the steps' committed costs.</summary>
    public long CostMicros => Outcome?.SpentMicros ?? Steps.Sum(s => s.CostMicros);
}
