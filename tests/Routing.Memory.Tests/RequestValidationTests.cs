using Grpc.Core;
using Routing.Contracts.Memory.V1;
using Xunit;

namespace Routing.Memory.Tests;

/// <summary>Bad input is InvalidArgument (or NotFound) with the field named first, and writes nothing.</summary>
public sealed class RequestValidationTests(SharedMemoryService service) : IClassFixture<SharedMemoryService>
{
    public static TheoryData<string, Func<MemoryService.MemoryServiceClient, Task>> BadRequests() => new()
    {
        { "tenant", c => Record(c, r => r.Tenant = "") },
        { "tenant", c => Record(c, r => r.Tenant = "a{b}") },
        { "auction_id", c => Record(c, r => r.AuctionId = "") },
        { "auction_id", c => Record(c, r => r.AuctionId = new string('x', 257)) },
        { "auction_id", c => Record(c, r => r.AuctionId = "a\nb") },
        { "task_text", c => Record(c, r => r.TaskText = "") },
        { "task_text", c => Record(c, r => r.TaskText = "   ") },
        { "task_text", c => Record(c, r => r.TaskText = new string('x', 16_385)) },
        { "task_embedding", c => Record(c, r => r.TaskEmbedding.Add([0f, 0f])) },
        { "task_embedding", c => Record(c, r => r.TaskEmbedding.Add([1f, float.NaN])) },
        { "task_embedding", c => Record(c, r => r.TaskEmbedding.Add(new float[4_097])) },
        { "domain", c => Record(c, r => r.Domain = new string('d', 65)) },
        { "prompt_version", c => Record(c, r => r.PromptVersion = new string('v', 65)) },
        { "bids", c => Record(c, r => r.Bids.Clear()) },
        { "bids", c => Record(c, r => { for (var i = 0; i < 70; i++) { r.Bids.Add(r.Bids[0]); } }) },
        { "winner_index", c => Record(c, r => r.WinnerIndex = 2) },
        { "winner_index", c => Record(c, r => r.WinnerIndex = -1) },
        { "bids[1].agent", c => Record(c, r => r.Bids[1].Agent = "") },
        { "bids[0].strategy", c => Record(c, r => r.Bids[0].Strategy = "") },
        { "bids[0].strategy", c => Record(c, r => r.Bids[0].Strategy = new string('s', 16_385)) },
        { "bids[0].plan_tokens", c => Record(c, r => r.Bids[0].PlanTokens = -1) },
        { "bids[0].entropy", c => Record(c, r => r.Bids[0].Entropy = 1.5) },
        { "bids[0].entropy", c => Record(c, r => r.Bids[0].Entropy = double.NaN) },
        { "bids[1].cost_score", c => Record(c, r => r.Bids[1].CostScore = double.PositiveInfinity) },
        { "bids[1].value_score", c => Record(c, r => r.Bids[1].ValueScore = double.NaN) },
        { "bids[0].jury_scores[0].score", c => Record(c, r => r.Bids[0].JuryScores[0].Score = 6) },
        { "bids[0].jury_scores[0].juror", c => Record(c, r => r.Bids[0].JuryScores[0].Juror = "") },
        { "auction_id", c => c.RecordOutcomeAsync(new RecordOutcomeRequest { Tenant = "v" }).ResponseAsync },
        { "score", c => c.RecordOutcomeAsync(new RecordOutcomeRequest { Tenant = "v", AuctionId = "a", Score = 1.1 }).ResponseAsync },
        { "actual_cost_micros", c => c.RecordOutcomeAsync(new RecordOutcomeRequest { Tenant = "v", AuctionId = "a", ActualCostMicros = -1 }).ResponseAsync },
        { "agent", c => c.RetrieveContrastiveAsync(new RetrieveContrastiveRequest { Tenant = "v", TaskText = "x" }).ResponseAsync },
        { "k", c => c.RetrieveContrastiveAsync(new RetrieveContrastiveRequest { Tenant = "v", TaskText = "x", Agent = "a", K = -1 }).ResponseAsync },
        { "k", c => c.RetrieveContrastiveAsync(new RetrieveContrastiveRequest { Tenant = "v", TaskText = "x", Agent = "a", K = 1_000_000 }).ResponseAsync },
        { "task_text", c => c.RetrieveContrastiveAsync(new RetrieveContrastiveRequest { Tenant = "v", Agent = "a" }).ResponseAsync },
        { "exclude_auction_id", c => c.RetrieveContrastiveAsync(new RetrieveContrastiveRequest { Tenant = "v", TaskText = "x", Agent = "a", ExcludeAuctionId = "a\tb" }).ResponseAsync },
        { "tenant", c => c.GetAuctionAsync(new GetAuctionRequest { AuctionId = "a" }).ResponseAsync },
        { "auction_id", c => c.GetAuctionAsync(new GetAuctionRequest { Tenant = "v" }).ResponseAsync },
        { "tenant", c => c.StatsAsync(new StatsRequest { Tenant = "bad tenant" }).ResponseAsync },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadFieldIsInvalidArgumentNamingTheField(string field, Func<MemoryService.MemoryServiceClient, Task> call)
    {
        ArgumentNullException.ThrowIfNull(call);

        var error = await Assert.ThrowsAsync<RpcException>(() => call(service.Client));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith(field + " ", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OversizedMessageIsRefusedBeforeItReachesTheService()
    {
        var request = Valid();
        request.Bids[0].Strategy = new string('s', 5_000_000);

        var error = await Assert.ThrowsAsync<RpcException>(() => service.Client.RecordAuctionAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task RejectedRecordLeavesNothingBehind()
    {
        var tenant = SharedMemoryService.NewTenant();
        var request = Valid();
        request.Tenant = tenant;
        request.WinnerIndex = 9;

        await Assert.ThrowsAsync<RpcException>(() => service.Client.RecordAuctionAsync(request).ResponseAsync);
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            service.Client.GetAuctionAsync(new GetAuctionRequest { Tenant = tenant, AuctionId = request.AuctionId }).ResponseAsync);
        var stats = await service.Client.StatsAsync(new StatsRequest { Tenant = tenant });

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Empty(stats.Tenants);
    }

    private static Task Record(MemoryService.MemoryServiceClient client, Action<RecordAuctionRequest> spoil)
    {
        var request = Valid();
        spoil(request);
        return client.RecordAuctionAsync(request).ResponseAsync;
    }

    private static RecordAuctionRequest Valid() => Auctions.Request("v", "valid-" + Guid.NewGuid().ToString("N"), "a valid task", ["small", "large"]);
}
