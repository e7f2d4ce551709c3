using Routing.Sale.Auction;
using Routing.Simulation.Benchmark;

namespace Routing.Cli.Bench.Sale;

/// <summary>How a variant's weights were fitted (the min–max MILP on the training tasks).</summary>
public sealed record SaleFitSummary(string Status, double Objective, double WorstWinnerScore, int SolverPicked, int CheapestSolverPicked, int TasksWithSolver, IReadOnlyDictionary<string, int> Wins, double CostWeight, double EntropyWeight, IReadOnlyDictionary<string, double> JurorWeights);

/// <summary>One SALE variant on the held-out tasks (simulator figures). Costs include the auction's own calls.</summary>
/// <remarks>
/// The auction's token share is its calls' prompt + completion tokens over those plus every episode's: an episode's
/// input counts each step's whole prompt (the history grows step by step and is re-sent every step), as real traffic
/// pays for it. Weight-fitting auctions on training tasks are a one-off and not in either.
/// </remarks>
public sealed record SaleVariantResult(
    string Name,
    StrategyFrontier Frontier,
    AuctionPhaseOverhead AuctionPhases,
    long EpisodeInputTokens,
    long EpisodeOutputTokens,
    IReadOnlyDictionary<string, int> Wins,
    double LargestWinShare,
    IReadOnlyList<double> SmallerWinShareByQuintile,
    int RefinedWins,
    int RefinedRounds,
    int RefinedJuriesSkipped,
    int Fallbacks,
    int VotesCounted,
    int VotesExcluded,
    SaleFitSummary Fit)
{
    public long AuctionTokens => AuctionPhases.Total.Tokens;

    public long AuctionCostMicros => AuctionPhases.Total.CostMicros;

    public long AllTokens => AuctionTokens + EpisodeInputTokens + EpisodeOutputTokens;

    public double AuctionTokenShare => ShareOfAll(AuctionTokens);

    /// <summary><paramref name="tokens"/> as a share of all tokens the variant spent (auctions and episodes).</summary>
    public double ShareOfAll(long tokens) => AllTokens == 0 ? 0 : (double)tokens / AllTokens;
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
