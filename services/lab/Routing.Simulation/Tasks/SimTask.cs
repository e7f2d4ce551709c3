namespace Routing.Simulation.Tasks;

/// <summary>
/// One simulated task. The public part is what a real router could know (id, domain, bin label, horizon,
/// prompt size, description); the difficulty and the amount of work it needs stay internal so that no
/// router can read them.
/// </summary>
public readonly struct SimTask
{
    internal SimTask(long id, Domain domain, int bin, int horizon, int promptTokens, ulong seed, double hiddenDifficulty, int requiredSteps)
    {
        Id = id;
        Domain = domain;
        Bin = bin;
        Horizon = horizon;
        PromptTokens = promptTokens;
        Seed = seed;
        HiddenDifficulty = hiddenDifficulty;
        RequiredSteps = requiredSteps;
    }

    public long Id { get; }

    public Domain Domain { get; }

    /// <summary>HST-Bench complexity bin (0..4) — a benchmark label, used to report results per bin.</summary>
    public int Bin { get; }

    /// <summary>Maximum model calls the episode may make.</summary>
    public int Horizon { get; }

    /// <summary>Tokens of system prompt plus task statement.</summary>
    public int PromptTokens { get; }

    /// <summary>Seed of the task's episodes; together with an attempt number it fixes every draw.</summary>
    public ulong Seed { get; }

    internal double HiddenDifficulty { get; }

    internal int RequiredSteps { get; }

    /// <summary>A short, realistic task statement (allocates; for logs, text features and the HTTP backend).</summary>
    public string Describe() => TaskDescriptions.Render(this);
}
