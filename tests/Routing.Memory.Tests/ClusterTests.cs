using Routing.Contracts.Memory.V1;
using Routing.Testing;
using Xunit;

namespace Routing.Memory.Tests;

/// <summary>
/// The memory on a real three-master Redis Cluster: Redis refuses a script whose keys span slots (CROSSSLOT), so
/// these pass only while every write keeps to its tenant's hash tag and replicas follow per-tenant change logs.
/// </summary>
public sealed class ClusterTests
{
    private static readonly string[] Tenants = ["acme", "globex", "initech", "umbrella", "hooli"];
    private static readonly TimeSpan Replication = TimeSpan.FromSeconds(20);

    [SkippableFact]
    public async Task ReplicasFollowWritesAndEvictionsOfTenantsOnEveryMaster()
    {
        using var cluster = RedisClusterProcess.StartOrSkip();
        var prefix = TestRedis.UniquePrefix();
        var settings = new Dictionary<string, string?> { ["Routing:Memory:MaxRecordsPerTenant"] = "3" };
        await using var writer = await MemoryServiceInstance.StartAsync(redis: cluster.ConnectionString, keyPrefix: prefix, settings: settings);
        await using var follower = await MemoryServiceInstance.StartAsync(redis: cluster.ConnectionString, keyPrefix: prefix, settings: settings);

        // Five auctions per tenant under a cap of three: five adds and two evictions in each tenant's log.
        foreach (var tenant in Tenants)
        {
            for (var i = 0; i < 5; i++)
            {
                await writer.Client.RecordAuctionAsync(Auctions.Request(tenant, $"a{i}", $"refund parcel {i}", ["small", "large"], embedding: [1, i, 0]));
            }
        }
        var followed = await Eventually.ReturnsAsync(
            () => follower.Client.StatsAsync(new StatsRequest()).ResponseAsync,
            s => s.Tenants.Count == Tenants.Length && s.Tenants.All(t => t.Indexed == 3 && t.AppliedChange == 7), Replication,
            "the follower applying every tenant's change log");
        // A replica started now loads every tenant from the cluster.
        await using var late = await MemoryServiceInstance.StartAsync(redis: cluster.ConnectionString, keyPrefix: prefix, settings: settings);
        var loaded = await late.Client.StatsAsync(new StatsRequest());
        var retrieved = await follower.Client.RetrieveContrastiveAsync(new RetrieveContrastiveRequest
        {
            Tenant = "hooli", Agent = "small", TaskEmbedding = { 1, 1, 0 }, K = 10,
        });

        Assert.All(followed.Tenants, t => Assert.Equal(3, t.Records));
        Assert.Equal(Tenants.Order(), loaded.Tenants.Select(t => t.Tenant));
        Assert.All(loaded.Tenants, t => Assert.Equal((3, 7L), (t.Indexed, t.AppliedChange)));
        Assert.Equal(["a2", "a3", "a4"], retrieved.Tasks.Select(t => t.AuctionId).Order());
    }
}
