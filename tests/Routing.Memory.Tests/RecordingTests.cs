using Grpc.Core;
using Routing.Contracts.Memory.V1;
using Xunit;

namespace Routing.Memory.Tests;

/// <summary>Recording auctions and outcomes through gRPC on loopback, against Redis.</summary>
public sealed class RecordingTests(SharedMemoryService service) : IClassFixture<SharedMemoryService>
{
    private readonly MemoryService.MemoryServiceClient _client = service.Client;

    [Fact]
    public async Task RecordingTheSameAuctionTwiceStoresItOnce()
    {
        var tenant = SharedMemoryService.NewTenant();
        var request = Auctions.Request(tenant, "a1", "summarise the quarterly report", ["small", "large"], winner: 1);

        var first = await _client.RecordAuctionAsync(request);
        var second = await _client.RecordAuctionAsync(request);
        var stats = await _client.StatsAsync(new StatsRequest { Tenant = tenant });

        Assert.False(first.Replayed);
        Assert.True(second.Replayed);
        Assert.Equal(384, second.Dimension);
        Assert.Equal(1, stats.Tenants[0].Records);
        Assert.Equal(1, stats.Tenants[0].Indexed);
        Assert.Equal(VectorSpace.Builtin, stats.Tenants[0].Space);
    }

    [Fact]
    public async Task ConcurrentRetriesOfOneAuctionCreateItExactlyOnce()
    {
        var tenant = SharedMemoryService.NewTenant();
        var request = Auctions.Request(tenant, "raced", "reconcile the invoices", ["small", "large"], winner: 1);

        var replies = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => _client.RecordAuctionAsync(request).ResponseAsync));
        var stats = await _client.StatsAsync(new StatsRequest { Tenant = tenant });

        Assert.Single(replies, r => !r.Replayed);
        Assert.Equal(1, stats.Tenants[0].Records);
        Assert.Equal(1, stats.Tenants[0].Indexed);
    }

    [Fact]
    public async Task ReusingAnAuctionIdWithOtherContentIsRefusedAndKeepsTheFirst()
    {
        var tenant = SharedMemoryService.NewTenant();
        await _client.RecordAuctionAsync(Auctions.Request(tenant, "a1", "first task", ["small", "large"]));

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _client.RecordAuctionAsync(Auctions.Request(tenant, "a1", "another task", ["small", "large"])).ResponseAsync);
        var stored = await _client.GetAuctionAsync(new GetAuctionRequest { Tenant = tenant, AuctionId = "a1" });

        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
        Assert.Contains("auction_id", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("first task", stored.TaskText);
    }

    [Fact]
    public async Task GetAuctionReturnsEveryBidTheWinnerAndTheStoredVector()
    {
        var tenant = SharedMemoryService.NewTenant();
        var request = Auctions.Request(tenant, "a1", "plan a database migration", ["4b", "8b", "32b"], winner: 2);
        request.Bids[1].Refined = true;
        await _client.RecordAuctionAsync(request);

        var stored = await _client.GetAuctionAsync(new GetAuctionRequest { Tenant = tenant, AuctionId = "a1", IncludeEmbedding = true });

        Assert.Equal(request.Bids, stored.Bids);
        Assert.Equal(2, stored.WinnerIndex);
        Assert.Equal("search", stored.Domain);
        Assert.Equal(384, stored.TaskEmbedding.Count);
        Assert.Null(stored.Outcome);
        Assert.NotNull(stored.RecordedAt);
    }

    [Fact]
    public async Task OutcomeArrivingAfterTheRecordIsAttachedAndReplayable()
    {
        var tenant = SharedMemoryService.NewTenant();
        await _client.RecordAuctionAsync(Auctions.Request(tenant, "a1", "write a crawler", ["small", "large"]));
        var outcome = new RecordOutcomeRequest { Tenant = tenant, AuctionId = "a1", Success = true, Score = 0.75, ActualCostMicros = 12_345 };

        var first = await _client.RecordOutcomeAsync(outcome);
        var again = await _client.RecordOutcomeAsync(outcome);
        var conflict = await Assert.ThrowsAsync<RpcException>(() =>
            _client.RecordOutcomeAsync(new RecordOutcomeRequest { Tenant = tenant, AuctionId = "a1", Success = false }).ResponseAsync);
        var stored = await _client.GetAuctionAsync(new GetAuctionRequest { Tenant = tenant, AuctionId = "a1" });

        Assert.False(first.Replayed);
        Assert.True(again.Replayed);
        Assert.Equal(first.Outcome, again.Outcome);
        Assert.Equal(StatusCode.AlreadyExists, conflict.StatusCode);
        Assert.True(stored.Outcome.Success);
        Assert.Equal(12_345, stored.Outcome.ActualCostMicros);
        Assert.Equal(0.75, stored.Outcome.Score);
    }

    [Fact]
    public async Task OutcomeOfAnUnknownAuctionIsNotFoundAndCreatesNothing()
    {
        var tenant = SharedMemoryService.NewTenant();

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _client.RecordOutcomeAsync(new RecordOutcomeRequest { Tenant = tenant, AuctionId = "ghost", Success = true }).ResponseAsync);
        var get = await Assert.ThrowsAsync<RpcException>(() =>
            _client.GetAuctionAsync(new GetAuctionRequest { Tenant = tenant, AuctionId = "ghost" }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("auction_id 'ghost'", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task TenantsNeverSeeEachOthersAuctions()
    {
        var alice = SharedMemoryService.NewTenant();
        var bob = SharedMemoryService.NewTenant();
        await _client.RecordAuctionAsync(Auctions.Request(alice, "shared-id", "debug the payment service", ["small", "large"], winner: 1));

        var retrieved = await _client.RetrieveContrastiveAsync(new RetrieveContrastiveRequest
        {
            Tenant = bob, TaskText = "debug the payment service", Agent = "small",
        });
        var get = await Assert.ThrowsAsync<RpcException>(() =>
            _client.GetAuctionAsync(new GetAuctionRequest { Tenant = bob, AuctionId = "shared-id" }).ResponseAsync);
        var bobsOwn = await _client.RecordAuctionAsync(Auctions.Request(bob, "shared-id", "something else", ["small"]));
        var alices = await _client.GetAuctionAsync(new GetAuctionRequest { Tenant = alice, AuctionId = "shared-id" });

        Assert.Empty(retrieved.Tasks);
        Assert.Equal(StatusCode.NotFound, get.StatusCode);
        Assert.False(bobsOwn.Replayed);
        Assert.Equal("debug the payment service", alices.TaskText);
    }

    [Fact]
    public async Task TenantsKeepTheirOwnVectorSpace()
    {
        var tenant = SharedMemoryService.NewTenant();
        await _client.RecordAuctionAsync(Auctions.Request(tenant, "a1", "", ["small"], embedding: [1, 2, 3]));

        var textOnly = await Assert.ThrowsAsync<RpcException>(() =>
            _client.RecordAuctionAsync(Auctions.Request(tenant, "a2", "text only", ["small"])).ResponseAsync);
        var wrongDimension = await Assert.ThrowsAsync<RpcException>(() =>
            _client.RetrieveContrastiveAsync(new RetrieveContrastiveRequest { Tenant = tenant, Agent = "small", TaskEmbedding = { 1, 2 } }).ResponseAsync);
        var stats = await _client.StatsAsync(new StatsRequest { Tenant = tenant });

        Assert.Equal(StatusCode.InvalidArgument, textOnly.StatusCode);
        Assert.StartsWith("task_embedding is required", textOnly.Status.Detail, StringComparison.Ordinal);
        Assert.StartsWith("task_embedding must have 3 values", wrongDimension.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(VectorSpace.Caller, stats.Tenants[0].Space);
        Assert.Equal(3, stats.Tenants[0].Dimension);
        Assert.Equal(1, stats.Tenants[0].Records);
    }
}
