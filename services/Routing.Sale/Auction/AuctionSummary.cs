using Routing.Backends;
using Routing.Features;

namespace Routing.Sale.Auction;

/// <summary>
/// What the step router learns of a finished auction (feature slots 20–22): one mapping for the executor, which
/// stores it with the task, and for the trainer and the benchmark, which run auctions on simulated tasks.
/// </summary>
public static class AuctionSummary
{
    /// <summary>
    /// Feature slots 20-22 of schema v1: the winner's price rank in the pool (cheapest 0), the pool size, and the
    /// winner's lead in C − V over the best bid of any other agent (0 when it had no rival, or on fallback).
    /// </summary>
    public static AuctionOutcome Of(AuctionResult result, IReadOnlyList<AgentDefinition> agents)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(agents);
        var byPrice = agents
            .OrderBy(a => a.PriceInMicrosPerMTok + a.PriceOutMicrosPerMTok)
            .ThenBy(a => a.Name, StringComparer.Ordinal)
            .Select(a => a.Name)
            .ToList();
        var rank = Math.Max(0, byPrice.IndexOf(result.Winner));
        if (result.FallbackReason is not null)
        {
            return new AuctionOutcome(rank, agents.Count, 0);
        }
        var scored = result.Bids.Concat(result.RefinedBids).Where(b => b.Valid).ToList();
        var winner = scored.Where(b => b.Agent == result.Winner && b.Refined == result.WinnerRefined).Select(b => b.Score.Score).DefaultIfEmpty(0).First();
        var rivals = scored.Where(b => b.Agent != result.Winner).Select(b => b.Score.Score).ToList();
        var margin = rivals.Count == 0 ? 0 : Math.Max(0, rivals.Min() - winner);
        return new AuctionOutcome(rank, agents.Count, margin);
    }
}
