using Routing.Contracts.Memory.V1;

namespace Routing.Memory.Tests;

/// <summary>Builders of test auctions.</summary>
public static class Auctions
{
    /// <summary>An auction in which each agent bids once and <paramref name="winner"/> wins.</summary>
    public static RecordAuctionRequest Request(string tenant, string id, string text, string[] agents, int winner = 0, float[]? embedding = null)
    {
        ArgumentNullException.ThrowIfNull(agents);
        var request = new RecordAuctionRequest { Tenant = tenant, AuctionId = id, TaskText = text, Domain = "search", WinnerIndex = winner };
        foreach (var agent in agents)
        {
            request.Bids.Add(new Bid
            {
                Agent = agent,
                Strategy = $"{agent} plan for {id}",
                PlanTokens = 120,
                Entropy = 0.4,
                CostScore = 1.5,
                ValueScore = 2.5,
                JuryScores = { new JuryScore { Juror = agents[0], Score = 4 } },
            });
        }
        if (embedding is not null)
        {
            request.TaskEmbedding.Add(embedding);
        }
        return request;
    }
}
