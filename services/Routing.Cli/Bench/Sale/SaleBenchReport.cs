using Routing.Simulation.Benchmark;

namespace Routing.Cli.Bench.Sale;

/// <summary>How a variant's weights were fitted (the min–max MILP on the training tasks).</summary>
public sealed record SaleFitSummary(string Status, double Objective, double WorstWinnerScore, int SolverPicked, int CheapestSolverPicked, int TasksWithSolver, IReadOnlyDictionary<string, int> Wins, double CostWeight, double EntropyWeight, IReadOnlyDictionary<string, double> JurorWeights);

/// <summary>One SALE variant on the held-out tasks (simulator figures). Costs include the auction's own calls.</summary>
public sealed record SaleVariantResult(
    string Name,
    StrategyFrontier Frontier,
    long AuctionTokens,
    long EpisodeTokens,
    long AuctionCostMicros,
    IReadOnlyDictionary<string, int> Wins,
    double LargestWinShare,
    IReadOnlyList<double> SmallerWinShareByQuintile,
    int RefinedWins,
    int Fallbacks,
    int VotesCounted,
    int VotesExcluded,
    SaleFitSummary Fit)
{
    public double AuctionTokenShare => AuctionTokens + EpisodeTokens == 0 ? 0 : (double)AuctionTokens / (AuctionTokens + EpisodeTokens);
}

/// <summary>The SALE section of <c>routing bench routing</c>: every variant next to the largest agent alone and the oracle, on the same tasks.</summary>
public sealed record SaleBenchReport(
    string Source,
    ulong Seed,
    ulong TrainSeed,
    int TasksPerCell,
    int TrainTasksPerCell,
    string LargestAgent,
    StrategyFrontier LargestAlone,
    StrategyFrontier Oracle,
    IReadOnlyList<SaleVariantResult> Variants);
