using Routing.Contracts.Executor.V1;
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
