using Routing.Contracts.Memory.V1;
using Routing.Sale.Auction;
using Routing.Sale.Memory;
using Routing.Sale.Scoring;
using Routing.Sale.Weights;
using Xunit;

namespace Routing.Sale.Tests;

/// <summary>
/// Skipping the jury on refined bids that cannot win (<see cref="AuctionOptions.SkipHopelessRefinedJury"/>) is a pure
/// saving: on simulated auctions with a warmed-up memory, every winner is the same with and without it.
/// </summary>
public sealed class RefinedJurySkipTests(MemoryOnLoopback memory) : IClassFixture<MemoryOnLoopback>
{
    private const ulong Seed = 31_337;
    // Fitted-like weights: cost and entropy matter next to a light jury, so some refined bids are hopeless and some not.
    private static readonly FixedSaleWeights Weights = new(new SaleWeights
    {
        Version = "skip-test",
        Cost = 1,
        Entropy = 0.2,
        Jurors = new Dictionary<string, double> { ["qwen3-32b"] = 0.1 },
        DefaultJuror = 0.03,
    });

    private static AuctionRequest Request(string tenant, string id, int index, AuctionAgent[] agents) => new()
    {
        Tenant = tenant,
        AuctionId = id,
        TaskId = $"coding-{index % 5}-{index}",
        TaskText = $"Fix failing test number {index} in the parser module (case {index % 7}) without changing its public API.",
        Domain = "coding",
        Agents = agents,
    };

    [Fact]
    public async Task EveryWinnerIsTheSameWithAndWithoutTheSkip()
    {
        var tenant = MemoryOnLoopback.NewTenant();
        var agents = SimulatedPool.InProcess(Seed);
        var judgeAll = new AuctionOptions { SkipHopelessRefinedJury = false };
        const int warmUp = 12;
        var warm = new AuctionEngine(Weights, memory.Memory, judgeAll);
        for (var i = 0; i < warmUp; i++)
        {
            await warm.RunAsync(Request(tenant, "warm-" + i, i, agents), default);
        }

        await memory.IndexedAsync(tenant, warmUp);

        // Both engines read the same memory and record nothing, so each auction sees exactly what the other saw.
        var readOnly = new RetrievalOnly(memory.Memory);
        var withSkip = new AuctionEngine(Weights, readOnly);
        var without = new AuctionEngine(Weights, readOnly, judgeAll);
        int skipped = 0, held = 0;
        for (var i = warmUp; i < warmUp + 40; i++)
        {
            var reference = await without.RunAsync(Request(tenant, "a-" + i, i, agents), default);
            var result = await withSkip.RunAsync(Request(tenant, "a-" + i, i, agents), default);

            Assert.Equal((reference.Winner, reference.WinnerPlan, reference.WinnerRefined), (result.Winner, result.WinnerPlan, result.WinnerRefined));
            Assert.Equal(reference.ProvisionalWinner, result.ProvisionalWinner);
            Assert.Equal(0, reference.RefinedJurySkipped);
            if (result.RefinedJurySkipped > 0)
            {
                skipped++;
                Assert.Equal(0, result.OverheadByPhase.RefineJury.Calls);
                Assert.Equal(reference.OverheadByPhase.Refine, result.OverheadByPhase.Refine);
                Assert.True(reference.OverheadByPhase.RefineJury.Tokens > 0);
            }
            else if (result.RefinedBids.Count > 0)
            {
                held++;
                Assert.Equal(reference.OverheadByPhase, result.OverheadByPhase);
            }
        }

        // The set exercises both paths, or it would prove nothing.
        Assert.True(skipped > 0 && held > 0, $"refined juries skipped {skipped}, held {held}");
    }

    /// <summary>The real memory service for retrieval; records are dropped so that both runs see the same memory.</summary>
    private sealed class RetrievalOnly(IAuctionMemory inner) : IAuctionMemory
    {
        public Task<RetrieveContrastiveResponse> RetrieveContrastiveAsync(RetrieveContrastiveRequest request, CancellationToken cancellationToken) =>
            inner.RetrieveContrastiveAsync(request, cancellationToken);

        public Task<RecordAuctionResponse> RecordAuctionAsync(RecordAuctionRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new RecordAuctionResponse());

        public Task<RecordOutcomeResponse> RecordOutcomeAsync(RecordOutcomeRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new RecordOutcomeResponse());
    }
}
