using Grpc.Core;
using Routing.Contracts.Memory.V1;
using Routing.Testing;
using Xunit;

namespace Routing.Memory.Tests;

/// <summary>Replicas sharing one Redis, restarts, eviction and expiry.</summary>
public sealed class ReplicationTests
{
    private static readonly TimeSpan Replication = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task TwoReplicasSeeEachOthersWritesAndEvictions()
    {
        var prefix = TestRedis.UniquePrefix();
        var settings = new Dictionary<string, string?> { ["Routing:Memory:MaxRecordsPerTenant"] = "5" };
        await using var first = await MemoryServiceInstance.StartAsync(keyPrefix: prefix, settings: settings);
        await using var second = await MemoryServiceInstance.StartAsync(keyPrefix: prefix, settings: settings);

        await first.Client.RecordAuctionAsync(Auctions.Request("shop", "from-first", "refund a damaged parcel", ["small", "large"], winner: 1));
        await second.Client.RecordAuctionAsync(Auctions.Request("shop", "from-second", "refund a late parcel", ["small", "large"], winner: 1));
        var onSecond = await Eventually.ReturnsAsync(
            () => second.Client.RetrieveContrastiveAsync(new RetrieveContrastiveRequest { Tenant = "shop", Agent = "small", TaskText = "refund a parcel" }).ResponseAsync,
            r => r.Tasks.Count == 2, Replication, "the second replica indexing the first one's write");
        var onFirst = await Eventually.ReturnsAsync(
            () => first.Client.RetrieveContrastiveAsync(new RetrieveContrastiveRequest { Tenant = "shop", Agent = "small", TaskText = "refund a parcel" }).ResponseAsync,
            r => r.Tasks.Count == 2, Replication, "the first replica indexing the second one's write");

        // Five more on the second replica evict both on both replicas.
        for (var i = 0; i < 5; i++)
        {
            await second.Client.RecordAuctionAsync(Auctions.Request("shop", $"later-{i}", $"refund order {i}", ["small", "large"]));
        }
        // Wait for the final state, not just five indexed records: midway (two old plus three new) also has five.
        var evictedEverywhere = await Eventually.ReturnsAsync(
            () => first.Client.RetrieveContrastiveAsync(new RetrieveContrastiveRequest { Tenant = "shop", Agent = "small", TaskText = "refund a damaged parcel", K = 10 }).ResponseAsync,
            r => r.Tasks.Count(t => t.AuctionId.StartsWith("later-", StringComparison.Ordinal)) == 5, Replication,
            "the first replica applying all five writes and both evictions");
        var firstStats = await first.Client.StatsAsync(new StatsRequest { Tenant = "shop" });

        Assert.Equal(onFirst.Tasks.Select(t => t.AuctionId).Order(), onSecond.Tasks.Select(t => t.AuctionId).Order());
        Assert.Equal(5, firstStats.Tenants[0].Records);
        Assert.Equal(5, firstStats.Tenants[0].Indexed);
        Assert.DoesNotContain(evictedEverywhere.Tasks, t => t.AuctionId.StartsWith("from-", StringComparison.Ordinal));
        Assert.Equal(5, evictedEverywhere.Tasks.Count);
    }

    [Fact]
    public async Task EvictionDropsTheOldestAuctionsAtomicallyWithTheWrite()
    {
        var settings = new Dictionary<string, string?> { ["Routing:Memory:MaxRecordsPerTenant"] = "3" };
        await using var memory = await MemoryServiceInstance.StartAsync(settings: settings);
        var evicted = new List<int>();
        for (var i = 0; i < 6; i++)
        {
            evicted.Add((await memory.Client.RecordAuctionAsync(Auctions.Request("capped", $"a{i}", $"task {i}", ["small"]))).Evicted);
        }
        var stats = await memory.Client.StatsAsync(new StatsRequest { Tenant = "capped" });
        var oldest = await Assert.ThrowsAsync<RpcException>(() =>
            memory.Client.GetAuctionAsync(new GetAuctionRequest { Tenant = "capped", AuctionId = "a2" }).ResponseAsync);
        var newest = await memory.Client.GetAuctionAsync(new GetAuctionRequest { Tenant = "capped", AuctionId = "a3" });

        Assert.Equal([0, 0, 0, 1, 1, 1], evicted);
        Assert.Equal(3, stats.Tenants[0].Records);
        Assert.Equal(3, stats.Tenants[0].Indexed);
        Assert.Equal(StatusCode.NotFound, oldest.StatusCode);
        Assert.Equal("task 3", newest.TaskText);
    }

    [Fact]
    public async Task RestartedServiceRebuildsItsIndexFromRedis()
    {
        var prefix = TestRedis.UniquePrefix();
        List<string> before;
        await using (var original = await MemoryServiceInstance.StartAsync(keyPrefix: prefix))
        {
            for (var i = 0; i < 40; i++)
            {
                await original.Client.RecordAuctionAsync(Auctions.Request("durable", $"a{i}", $"deploy service {i % 7} to the cluster", ["small", "large"]));
                await original.Client.RecordAuctionAsync(Auctions.Request("other", $"b{i}", "", ["small"], embedding: [i, 1, 0.5f]));
            }
            before = [.. (await original.Client.RetrieveContrastiveAsync(new RetrieveContrastiveRequest
            {
                Tenant = "durable", Agent = "large", TaskText = "deploy service 3", K = 10,
            })).Tasks.Select(t => t.AuctionId)];
        }

        await using var restarted = await MemoryServiceInstance.StartAsync(keyPrefix: prefix);
        var after = await restarted.Client.RetrieveContrastiveAsync(new RetrieveContrastiveRequest
        {
            Tenant = "durable", Agent = "large", TaskText = "deploy service 3", K = 10,
        });
        var stats = await restarted.Client.StatsAsync(new StatsRequest());

        Assert.Equal(before, after.Tasks.Select(t => t.AuctionId));
        Assert.Equal(IndexState.Ready, stats.IndexState);
        Assert.Equal(["durable", "other"], stats.Tenants.Select(t => t.Tenant));
        Assert.All(stats.Tenants, t => Assert.Equal(40, t.Indexed));
        Assert.Equal([384, 3], stats.Tenants.Select(t => t.Dimension));
    }

    [Fact]
    public async Task ReplicaThatFellBehindTheTrimmedLogReloads()
    {
        var prefix = TestRedis.UniquePrefix();
        var settings = new Dictionary<string, string?>
        {
            ["Routing:Memory:ChangeLogLength"] = "1000",
            ["Routing:Memory:MaxRecordsPerTenant"] = "10",
        };
        await using var writer = await MemoryServiceInstance.StartAsync(keyPrefix: prefix, settings: settings);
        // A reader that polls rarely falls behind: 600 adds and 590 evictions are 1190 changes, beyond the 1000 kept.
        var slow = new Dictionary<string, string?>(settings) { ["Routing:Memory:ChangePollMilliseconds"] = "5000" };
        await using var reader = await MemoryServiceInstance.StartAsync(keyPrefix: prefix, settings: slow);
        var writes = Enumerable.Range(0, 600).Select(i => writer.Client.RecordAuctionAsync(
            Auctions.Request("busy", $"a{i:D4}", $"task {i}", ["small"], embedding: [1, i, 0])).ResponseAsync);
        await Task.WhenAll(writes);

        var stats = await Eventually.ReturnsAsync(
            () => reader.Client.StatsAsync(new StatsRequest { Tenant = "busy" }).ResponseAsync,
            s => s.Tenants.Count == 1 && s.Tenants[0].Indexed == 10 && s.Tenants[0].AppliedChange == 1190, TimeSpan.FromSeconds(20), "the slow replica catching up");
        var newest = await reader.Client.RetrieveContrastiveAsync(new RetrieveContrastiveRequest
        {
            Tenant = "busy", Agent = "small", TaskEmbedding = { 1, 1, 0 }, K = 10,
        });

        Assert.Equal(10, stats.Tenants[0].Records);
        Assert.Equal(10, newest.Tasks.Count);
    }

    [Fact]
    public async Task ExpiredAuctionsAreNeitherRetrievedNorKept()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Routing:Memory:RecordTtlSeconds"] = "1",
            ["Routing:Memory:SweepIntervalSeconds"] = "1",
        };
        await using var memory = await MemoryServiceInstance.StartAsync(settings: settings);
        await memory.Client.RecordAuctionAsync(Auctions.Request("ttl", "short-lived", "translate the manual", ["small", "large"]));
        var fresh = await memory.Client.RetrieveContrastiveAsync(new RetrieveContrastiveRequest { Tenant = "ttl", Agent = "small", TaskText = "translate the manual" });

        var stats = await Eventually.ReturnsAsync(
            () => memory.Client.StatsAsync(new StatsRequest { Tenant = "ttl" }).ResponseAsync,
            s => s.Tenants[0].Records == 0 && s.Tenants[0].Indexed == 0, TimeSpan.FromSeconds(15), "the sweeper expiring the auction");
        var expired = await memory.Client.RetrieveContrastiveAsync(new RetrieveContrastiveRequest { Tenant = "ttl", Agent = "small", TaskText = "translate the manual" });

        Assert.Single(fresh.Tasks);
        Assert.Empty(expired.Tasks);
        Assert.Equal(0, stats.Tenants[0].Records);
    }
}
