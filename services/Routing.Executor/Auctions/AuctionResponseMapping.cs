using Routing.Backends;
using Routing.Contracts.Executor.V1;
using Routing.Features;
using Routing.Sale.Auction;

namespace Routing.Executor.Auctions;

/// <summary>Routing.Sale's <see cref="AuctionResult"/> as the wire answer, and the summary the step features read.</summary>
public static class AuctionResponseMapping
{
    public static AuctionResponse ToResponse(string taskId, AuctionResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var response = new AuctionResponse
        {
            AuctionId = result.AuctionId,
            TaskId = taskId,
            WeightsVersion = result.WeightsVersion,
            PromptVersion = result.PromptVersion,
            Winner = result.Winner,
            WinnerPlan = result.WinnerPlan,
            WinnerRefined = result.WinnerRefined,
            ProvisionalWinner = result.ProvisionalWinner ?? "",
            FallbackReason = result.FallbackReason ?? "",
            Jury = new AuctionJury { Counted = result.Jury.Counted, Invalid = result.Jury.Invalid, Missing = result.Jury.Missing },
            Overhead = new Contracts.Executor.V1.AuctionOverhead
            {
                Calls = result.Overhead.Calls,
                PromptTokens = result.Overhead.PromptTokens,
                CompletionTokens = result.Overhead.CompletionTokens,
                CostMicros = result.Overhead.CostMicros,
            },
            Recorded = result.Recorded,
        };
        response.Bids.Add(result.Bids.Select(ToBid));
        response.RefinedBids.Add(result.RefinedBids.Select(ToBid));
        response.Notes.Add(result.Notes);
        return response;
    }

    /// <summary>
    /// Feature slots 20-22 of schema v1: the winner's price rank in the pool (cheapest 0), the pool size, and the
    /// winner's lead in C − V over the best bid of any other agent (0 when it had no rival, or on fallback).
    /// </summary>
    public static AuctionOutcome Summary(AuctionResult result, IReadOnlyList<AgentDefinition> agents)
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

    private static AuctionBid ToBid(ScoredBid bid)
    {
        var proto = new AuctionBid
        {
            Agent = bid.Agent,
            Refined = bid.Refined,
            Plan = bid.Plan,
            Failure = bid.Failure ?? "",
            EntropyNote = bid.EntropyNote ?? "",
        };
        if (bid.Features is { } features)
        {
            proto.PlanTokens = features.PlanTokens;
            proto.RelativePrice = features.RelativePrice;
            if (features.Entropy is { } entropy)
            {
                proto.Entropy = entropy;
            }
            proto.Votes.Add(features.Votes.Select(v => new AuctionVote { Juror = v.Juror, Score = v.Score }));
            proto.Cost = bid.Score.Cost;
            proto.Value = bid.Score.Value;
            proto.Score = bid.Score.Score;
        }
        return proto;
    }
}
