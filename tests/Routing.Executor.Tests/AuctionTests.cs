using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Routing.Contracts.Executor.V1;
using Routing.Contracts.Memory.V1;
using Routing.Executor.Tasks;
using Routing.Features;
using Routing.Testing;
using Xunit;
using AuctionRequest = Routing.Contracts.Executor.V1.AuctionRequest;

namespace Routing.Executor.Tests;

/// <summary>
/// The <c>Auction</c> RPC end to end: the executor's gRPC API → AuctionEngine → the OpenAI-compatible simulator
/// endpoint over HTTP, with the real budget and memory services; the ledger, the memory record, the outcome and
/// the step features are checked where they live.
/// </summary>
public sealed class AuctionTests(SharedAuctionStack shared) : IClassFixture<SharedAuctionStack>
{
    private AuctionStack Stack => shared.Stack;

    private ExecutorService.ExecutorServiceClient Client => Stack.Executor.Client;

    private static AuctionRequest Request(string taskId) => new() { TaskId = taskId, Domain = "coding" };

    [Fact]
    public async Task AnAuctionBidsJudgesChargesTheLedgerFeedsTheFeaturesAndRecordsTheOutcome()
    {
        const string taskId = "coding-1-3";
        await Stack.Executor.OpenAsync(taskId, 10_000_000);

        var auction = await Client.AuctionAsync(Request(taskId), ExecutorStack.Acme);

        Assert.Equal(AuctionStack.Pool.Length, auction.Bids.Count);
        Assert.All(auction.Bids, b =>
        {
            Assert.True(b.Failure.Length == 0, b.Failure);
            Assert.InRange(b.PlanTokens, 1, 256);
            Assert.True(b.HasEntropy, b.EntropyNote);
            Assert.InRange(b.Entropy, 0.0, 1.0);
            Assert.Equal(b.Cost - b.Value, b.Score, 9);
        });
        Assert.Equal(16, auction.Jury.Counted + auction.Jury.Invalid + auction.Jury.Missing);
        Assert.Contains(auction.Winner, AuctionStack.Pool.Select(p => p.Name));
        Assert.Empty(auction.FallbackReason);
        Assert.True(auction.Recorded, string.Join("; ", auction.Notes));
        Assert.True(auction.Overhead.Calls >= 8 && auction.Overhead.PromptTokens > 0 && auction.Overhead.CompletionTokens > 0);

        // The auction's cost is on the task's ledger: what the calls reported (rounded up per price, so at least
        // the engine's own sum), within the reservation, and nothing left reserved.
        var ledger = await Stack.Executor.LedgerAsync(taskId);
        Assert.Equal(auction.ChargedMicros, ledger.CommittedMicros);
        Assert.InRange(auction.ChargedMicros, auction.Overhead.CostMicros, auction.Overhead.CostMicros + (2 * auction.Overhead.Calls));
        Assert.True(auction.ReservedMicros >= auction.ChargedMicros);
        Assert.Equal(10_000_000 - ledger.CommittedMicros, ledger.Budget.RemainingMicros);
        Assert.Equal(ledger.Budget.RemainingMicros, auction.Budget.RemainingMicros);

        // Recorded in memory under the task id, with the same winner.
        var stored = await Stack.Memory.GetAuctionAsync(new GetAuctionRequest { Tenant = "acme", AuctionId = taskId });
        Assert.Equal(auction.Winner, stored.Bids[stored.WinnerIndex].Agent);
        Assert.Null(stored.Outcome);

        // The step features of the task's next step carry the auction (schema v1 slots 20-22).
        var state = await Stack.Executor.Services.GetRequiredService<TaskStore>().GetAsync("acme", taskId);
        Assert.Equal(taskId, state!.AuctionId);
        Assert.Equal(auction.Winner, state.AuctionWinner);
        var features = new float[FeatureSchemaV1.Width];
        FeatureSchemaV1.Extract(state.ToStepState(0, null), state.TaskText, "", features);
        Assert.Equal(1f, features[FeatureSchemaV1.HasAuction]);
        var rank = Array.FindIndex(AuctionStack.Pool, p => p.Name == auction.Winner);
        Assert.Equal(rank / 3f, features[FeatureSchemaV1.AuctionWinnerRank], 5);

        // A repeated call answers the stored auction and spends nothing.
        var again = await Client.AuctionAsync(Request(taskId), ExecutorStack.Acme);
        Assert.True(again.Replayed);
        Assert.Equal(auction.Winner, again.Winner);
        Assert.Equal(ledger.CommittedMicros, (await Stack.Executor.LedgerAsync(taskId)).CommittedMicros);

        // Completing the task gives the memory the auction's outcome (and a retried completion changes nothing).
        var complete = new CompleteTaskRequest { TaskId = taskId, Outcome = new Contracts.Executor.V1.Outcome { Success = true, Score = 0.75 } };
        await Client.CompleteTaskAsync(complete, ExecutorStack.Acme);
        await Client.CompleteTaskAsync(complete, ExecutorStack.Acme);
        var outcome = (await Stack.Memory.GetAuctionAsync(new GetAuctionRequest { Tenant = "acme", AuctionId = taskId })).Outcome;
        Assert.True(outcome.Success);
        Assert.Equal(0.75, outcome.Score);
        Assert.Equal(ledger.CommittedMicros, outcome.ActualCostMicros);
    }

    [Fact]
    public async Task TheReservationCoversEveryCallOfAuctionsThatRefineFromAFullMemory()
    {
        // Auctions on one tenant's coding tasks fill its memory; later ones refine the cheaper agents' bids from up
        // to eight past tasks, so they make every kind of call: bids, one jury call per juror on all plans, refined
        // bids quoting contrastive pairs, and the jury on the refined plans. A call whose worst case did not fit the
        // reservation would not be sent: a failed bid, a failed refinement or missing votes.
        const string tenant = "acme";
        var before = (await Stack.Memory.StatsAsync(new StatsRequest { Tenant = tenant })).Tenants.Select(t => t.Indexed).FirstOrDefault();
        var refined = 0;
        for (var i = 0; i < 11; i++)
        {
            var taskId = $"coding-3-{200 + i}";
            await Stack.Executor.OpenAsync(taskId, 10_000_000);

            var auction = await Client.AuctionAsync(Request(taskId), ExecutorStack.Acme);

            Assert.All(auction.Bids.Concat(auction.RefinedBids), b => Assert.True(b.Failure.Length == 0, b.Failure));
            Assert.Equal(0, auction.Jury.Missing);
            Assert.DoesNotContain(auction.Notes, n => n.Contains("failed", StringComparison.Ordinal));
            Assert.True(auction.ReservedMicros >= auction.ChargedMicros, $"reserved {auction.ReservedMicros} < charged {auction.ChargedMicros}");
            refined += auction.RefinedBids.Count;
            // The next auction retrieves from an index that has caught up with this record.
            await Eventually.ReturnsAsync(
                async () => (await Stack.Memory.StatsAsync(new StatsRequest { Tenant = tenant })).Tenants.Select(t => t.Indexed).FirstOrDefault(),
                indexed => indexed >= before + i + 1,
                TimeSpan.FromSeconds(10),
                "the memory index holding the auction just recorded");
        }

        Assert.True(refined > 0, "no auction refined a bid, so the refinement calls were not exercised");
    }

    [Fact]
    public async Task AnotherTenantsTaskIsPermissionDeniedAndNothingRuns()
    {
        const string taskId = "search-2-9";
        await Stack.Executor.OpenAsync(taskId, 10_000_000, ExecutorStack.GlobexKey);

        var error = await Assert.ThrowsAsync<RpcException>(() => Client.AuctionAsync(Request(taskId), ExecutorStack.Acme).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Equal(0, (await Stack.Executor.LedgerAsync(taskId, "globex")).CommittedMicros);
        var missing = await Assert.ThrowsAsync<RpcException>(() => Client.AuctionAsync(Request("coding-0-0"), ExecutorStack.Acme).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, missing.StatusCode);
    }

    [Fact]
    public async Task ABudgetSmallerThanTheWorstCaseIsRefusedWithWhatRemainsAndNothingIsSpent()
    {
        const string taskId = "coding-3-17";
        await Stack.Executor.OpenAsync(taskId, 500);

        var call = Client.AuctionAsync(Request(taskId), ExecutorStack.Acme);
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("500 µ$ remain", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("500", call.GetTrailers().GetValue("routing-remaining-micros"));
        var ledger = await Stack.Executor.LedgerAsync(taskId);
        Assert.Equal(0, ledger.CommittedMicros);
        Assert.Equal(500, ledger.Budget.RemainingMicros);
        // Nothing reached memory, and the refused auction left no claim behind: the task still has none.
        var memory = await Assert.ThrowsAsync<RpcException>(() => Stack.Memory.GetAuctionAsync(new GetAuctionRequest { Tenant = "acme", AuctionId = taskId }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, memory.StatusCode);
        Assert.Null((await Stack.Executor.Services.GetRequiredService<TaskStore>().GetAsync("acme", taskId))!.AuctionId);
    }
}
