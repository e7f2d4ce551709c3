namespace Routing.Simulation.Benchmark;

/// <summary>
/// What the frontier evaluator runs: <see cref="TasksPerCell"/> held-out tasks in each of the 2 domains × 5
/// bins from <see cref="Seed"/>, on the pool <see cref="Pool"/> ("step": GPT-4.1-mini/GPT-4.1-like pair,
/// "sale": the Qwen3 pool), optionally under a hard per-episode budget and a large-call cap K.
/// </summary>
public sealed record FrontierSettings
{
    /// <summary>
    /// Default held-out seed. Seeds used for fitting and checking the simulator (<see cref="ReservedSeeds"/>)
    /// are refused so that the benchmark never runs on tasks the parameters were fitted on; the trainer must
    /// keep away from this seed too.
    /// </summary>
    public const ulong DefaultSeed = 31_415_926;

    /// <summary>Seeds of the calibration: 20260501 (fit), 20260502 (fit report), 777 (calibration test).</summary>
    public static IReadOnlyList<ulong> ReservedSeeds { get; } = [20_260_501, 20_260_502, 777];

    public int TasksPerCell { get; init; } = 1000;

    public ulong Seed { get; init; } = DefaultSeed;

    public string Pool { get; init; } = Agents.AgentPool.StepPairName;

    /// <summary>Hard per-episode budget in micro-dollars; null for none.</summary>
    public long? BudgetMicros { get; init; }

    /// <summary>Most calls an episode may make on the largest agent (K); null for none.</summary>
    public int? LargeCallCap { get; init; }

    /// <summary>Worker threads; results do not depend on it.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Apply budget-constrained decoding (default). Off, strategies run unmasked and the budget only counts
    /// overruns — to show what the mask prevents, and to test that overruns are detected.
    /// </summary>
    public bool EnforceBudget { get; init; } = true;

    public bool Constrained => EnforceBudget && (BudgetMicros is not null || LargeCallCap is not null);

    public List<string> Validate()
    {
        var problems = new List<string>();
        if (TasksPerCell is < 1 or > 1_000_000)
        {
            problems.Add("--tasks-per-cell must be between 1 and 1000000");
        }

        if (ReservedSeeds.Contains(Seed))
        {
            problems.Add($"--seed {Seed} is a calibration seed (20260501, 20260502, 777); the benchmark needs held-out tasks");
        }

        if (Pool is not (Agents.AgentPool.StepPairName or Agents.AgentPool.SalePoolName))
        {
            problems.Add($"--pool must be '{Agents.AgentPool.StepPairName}' or '{Agents.AgentPool.SalePoolName}'");
        }

        if (BudgetMicros is <= 0)
        {
            problems.Add("--budget-micros must be > 0");
        }

        if (LargeCallCap is < 0)
        {
            problems.Add("--large-cap must be ≥ 0");
        }

        if (Threads is < 1 or > 1024)
        {
            problems.Add("--threads must be between 1 and 1024");
        }

        return problems;
    }
}
