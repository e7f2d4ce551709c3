namespace Routing.Simulation.Benchmark;

/// <summary>Tallies of one group of episodes (a cell, a domain, a bin or a whole strategy).</summary>
public sealed record FrontierFigures(
    int Episodes,
    int Successes,
    long TotalCostMicros,
    long Steps,
    long LargeCalls,
    int TasksTouchingLarge,
    int Overruns)
{
    public double SuccessPct => Episodes == 0 ? 0 : 100.0 * Successes / Episodes;

    /// <summary>Mean cost per episode in micro-dollars, rounded to the nearest micro-dollar.</summary>
    public long MeanCostMicros => Episodes == 0 ? 0 : (long)Math.Round((double)TotalCostMicros / Episodes, MidpointRounding.AwayFromZero);

    public double CostUsd => Episodes == 0 ? 0 : TotalCostMicros / 1e6 / Episodes;

    /// <summary>Share of steps made on the pool's largest agent.</summary>
    public double LargeShare => Steps == 0 ? 0 : (double)LargeCalls / Steps;

    /// <summary>Share of episodes that called the largest agent at least once.</summary>
    public double LargeTaskShare => Episodes == 0 ? 0 : (double)TasksTouchingLarge / Episodes;
}

/// <summary>One (domain, bin) cell of a strategy.</summary>
public sealed record FrontierCell(string Domain, int Bin, string BinLabel, FrontierFigures Figures);

/// <summary>A strategy's results: overall, per domain, per bin (both domains) and per cell.</summary>
public sealed record StrategyFrontier(
    string Name,
    FrontierFigures Overall,
    double? CostVsAlwaysLarge,
    IReadOnlyList<FrontierCell> Domains,
    IReadOnlyList<FrontierCell> Bins,
    IReadOnlyList<FrontierCell> Cells);

/// <summary>
/// The frontier of a run. <see cref="Source"/> is always "simulator": every figure comes from the seeded agent
/// simulator, not from real agents.
/// </summary>
public sealed record FrontierReport(
    string Source,
    ulong Seed,
    int TasksPerCell,
    string Pool,
    string SmallAgent,
    string LargeAgent,
    long? BudgetMicros,
    int? LargeCallCap,
    IReadOnlyList<StrategyFrontier> Strategies)
{
    public int TotalOverruns
    {
        get
        {
            var total = 0;
            foreach (var s in Strategies)
            {
                total += s.Overall.Overruns;
            }

            return total;
        }
    }
}
