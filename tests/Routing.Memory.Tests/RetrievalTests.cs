using Routing.Contracts.Memory.V1;
using Routing.Memory.Encoding;
using Xunit;

namespace Routing.Memory.Tests;

/// <summary>Retrieval through gRPC equals a brute-force reference computed here from what was recorded.</summary>
public sealed class RetrievalTests(SharedMemoryService service) : IClassFixture<SharedMemoryService>
{
    private static readonly string[] Pool = ["qwen-4b", "qwen-8b", "qwen-14b", "qwen-32b"];
    private readonly MemoryService.MemoryServiceClient _client = service.Client;

    [Fact]
    public async Task RetrievalWithCallerEmbeddingsEqualsTheBruteForceReference()
    {
        var tenant = SharedMemoryService.NewTenant();
        var random = new Random(2024);
        var recorded = new List<(string Id, float[] Vector, string[] Agents)>();
        for (var i = 0; i < 400; i++)
        {
            var agents = Pool.Where((_, j) => random.NextDouble() < 0.5 || j == i % Pool.Length).ToArray();
            var vector = TenantIndexTests.Clustered(random, 48, i % 9);
            // Unnormalised on the wire: the service normalises.
            var scaled = vector.Select(v => v * 3.5f).ToArray();
            recorded.Add(($"auction-{i:D4}", vector, agents));
            await _client.RecordAuctionAsync(Auctions.Request(tenant, $"auction-{i:D4}", $"task {i}", agents, random.Next(agents.Length), scaled));
        }

        foreach (var (agent, k) in new[] { ("qwen-4b", 0), ("qwen-8b", 5), ("qwen-32b", 20), ("qwen-14b", 1) })
        {
            var query = TenantIndexTests.Clustered(random, 48, k % 9);
            var response = await _client.RetrieveContrastiveAsync(new RetrieveContrastiveRequest
            {
                Tenant = tenant, Agent = agent, K = k, TaskEmbedding = { query },
            });

            var eligible = recorded.Where(r => r.Agents.Contains(agent)).ToList();
            var expected = eligible
                .Select(r => (r.Id, Similarity: TenantIndexTests.Cosine(query, r.Vector)))
                .OrderByDescending(r => r.Similarity).ThenBy(r => r.Id, StringComparer.Ordinal)
                .Take(k == 0 ? 8 : k).ToList();
            Assert.Equal(eligible.Count, response.Candidates);
            Assert.Equal(expected.Select(e => e.Id), response.Tasks.Select(t => t.AuctionId));
            for (var i = 0; i < expected.Count; i++)
            {
                Assert.Equal(expected[i].Similarity, response.Tasks[i].Similarity, 4);
            }
        }
    }

    [Fact]
    public async Task RetrievalByTextUsesTheBuiltInEncoderAndMatchesItsBruteForceRanking()
    {
        var tenant = SharedMemoryService.NewTenant();
        string[] tasks =
        [
            "fix the failing unit tests in the JSON parser",
            "add pagination to the REST API of the order service",
            "find the cheapest direct flight from Lisbon to Oslo",
            "summarise recent papers on retrieval augmented generation",
            "the JSON parser crashes on unicode escapes",
            "compare hotel prices in Oslo for a weekend",
            "migrate the order database to PostgreSQL 16",
            "write property tests for the JSON serializer",
        ];
        for (var i = 0; i < tasks.Length; i++)
        {
            await _client.RecordAuctionAsync(Auctions.Request(tenant, $"a{i}", tasks[i], ["small", "large"], winner: 1));
        }
        var encoder = new HashedNgramEncoder(384);
        var query = "JSON parser unit tests fail";
        var q = new float[384];
        encoder.Encode(query, q);
        var expected = tasks
            .Select((t, i) => (Id: $"a{i}", Similarity: TenantIndexTests.Cosine(q, Encode(encoder, t))))
            .OrderByDescending(r => r.Similarity).ThenBy(r => r.Id, StringComparer.Ordinal).Take(3).ToList();

        var response = await _client.RetrieveContrastiveAsync(new RetrieveContrastiveRequest { Tenant = tenant, Agent = "small", TaskText = query, K = 3 });

        Assert.Equal(expected.Select(e => e.Id), response.Tasks.Select(t => t.AuctionId));
        Assert.Contains("JSON", response.Tasks[0].TaskText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PairsContrastTheAskingAgentsLosingBidWithTheWinner()
    {
        var tenant = SharedMemoryService.NewTenant();
        await _client.RecordAuctionAsync(Auctions.Request(tenant, "lost", "tune the search ranking", ["4b", "8b", "32b"], winner: 2));
        await _client.RecordAuctionAsync(Auctions.Request(tenant, "won", "tune the search ranking weights", ["4b", "8b", "32b"], winner: 0));
        await _client.RecordAuctionAsync(Auctions.Request(tenant, "absent", "tune the search ranking", ["8b", "32b"], winner: 1));
        await _client.RecordOutcomeAsync(new RecordOutcomeRequest { Tenant = tenant, AuctionId = "lost", Success = true, Score = 1, ActualCostMicros = 900 });

        var response = await _client.RetrieveContrastiveAsync(new RetrieveContrastiveRequest { Tenant = tenant, Agent = "4b", TaskText = "tune the search ranking" });
        var lost = response.Tasks.Single(t => t.AuctionId == "lost");
        var won = response.Tasks.Single(t => t.AuctionId == "won");

        Assert.Equal(2, response.Tasks.Count);
        Assert.False(lost.AskingAgentWon);
        var pair = Assert.Single(lost.Pairs);
        Assert.Equal("4b", pair.Losing.Agent);
        Assert.Equal("32b", pair.Winning.Agent);
        Assert.True(lost.Outcome.Success);
        Assert.Equal(900, lost.Outcome.ActualCostMicros);
        Assert.True(won.AskingAgentWon);
        Assert.Equal(["8b", "32b"], won.Pairs.Select(p => p.Losing.Agent));
        Assert.All(won.Pairs, p => Assert.Equal("4b", p.Winning.Agent));
    }

    [Fact]
    public async Task DefaultKIsEightOrTheAuctionsAvailableAndTheCurrentAuctionCanBeLeftOut()
    {
        var tenant = SharedMemoryService.NewTenant();
        for (var i = 0; i < 3; i++)
        {
            await _client.RecordAuctionAsync(Auctions.Request(tenant, $"a{i}", $"task number {i}", ["small", "large"]));
        }
        var few = await _client.RetrieveContrastiveAsync(new RetrieveContrastiveRequest { Tenant = tenant, Agent = "small", TaskText = "task number 1", ExcludeAuctionId = "a1" });
        for (var i = 3; i < 12; i++)
        {
            await _client.RecordAuctionAsync(Auctions.Request(tenant, $"a{i}", $"task number {i}", ["small", "large"]));
        }
        var many = await _client.RetrieveContrastiveAsync(new RetrieveContrastiveRequest { Tenant = tenant, Agent = "small", TaskText = "task number 1" });
        var stranger = await _client.RetrieveContrastiveAsync(new RetrieveContrastiveRequest { Tenant = tenant, Agent = "nobody", TaskText = "task number 1" });

        Assert.Equal(["a0", "a2"], few.Tasks.Select(t => t.AuctionId).Order(StringComparer.Ordinal));
        Assert.Equal(8, many.Tasks.Count);
        Assert.Equal("a1", many.Tasks[0].AuctionId);
        Assert.Empty(stranger.Tasks);
    }

    private static float[] Encode(HashedNgramEncoder encoder, string text)
    {
        var vector = new float[encoder.Dimension];
        encoder.Encode(text, vector);
        return vector;
    }
}
