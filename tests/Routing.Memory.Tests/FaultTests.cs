using Grpc.Core;
using Routing.Contracts.Memory.V1;
using Routing.ServiceDefaults.Hosting;
using Routing.Testing;
using Xunit;

namespace Routing.Memory.Tests;

/// <summary>Redis going away and coming back, against a real redis-server with AOF (CI installs one).</summary>
public sealed class FaultTests
{
    [SkippableFact]
    public async Task RedisDownIsUnavailableAndTheServiceRecoversWithItsIndexIntact()
    {
        using var redis = RedisServerProcess.StartOrSkip();
        await using var memory = await MemoryServiceInstance.StartAsync(redis.ConnectionString);
        await memory.Client.RecordAuctionAsync(Auctions.Request("faults", "before", "rotate the TLS certificates", ["small", "large"]));
        redis.Kill();

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            memory.Client.RecordAuctionAsync(Auctions.Request("faults", "during", "rotate the TLS keys", ["small", "large"])).ResponseAsync);
        redis.Start();
        await Eventually.ReturnsAsync(
            () => memory.Client.RecordAuctionAsync(Auctions.Request("faults", "after", "rotate the TLS keys", ["small", "large"])).ResponseAsync,
            _ => true, TimeSpan.FromSeconds(15), "the service reconnecting to the restarted Redis");
        var retrieved = await memory.Client.RetrieveContrastiveAsync(new RetrieveContrastiveRequest { Tenant = "faults", Agent = "small", TaskText = "rotate TLS" });

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("Redis", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(["after", "before"], retrieved.Tasks.Select(t => t.AuctionId).Order(StringComparer.Ordinal));
    }

    [SkippableFact]
    public async Task ServiceStartedBeforeRedisIsNotReadyThenLoads()
    {
        using var redis = RedisServerProcess.StartOrSkip();
        await using (var seed = await MemoryServiceInstance.StartAsync(redis.ConnectionString, keyPrefix: "fault:"))
        {
            await seed.Client.RecordAuctionAsync(Auctions.Request("late", "a1", "index the logs", ["small"]));
        }
        redis.Kill();

        await using var memory = await MemoryServiceInstance.StartAsync(redis.ConnectionString, keyPrefix: "fault:", waitUntilLoaded: false);
        var loading = await Assert.ThrowsAsync<RpcException>(() =>
            memory.Client.RetrieveContrastiveAsync(new RetrieveContrastiveRequest { Tenant = "late", Agent = "small", TaskText = "logs" }).ResponseAsync);
        redis.Start();
        var loaded = await Eventually.ReturnsAsync(
            () => memory.Client.RetrieveContrastiveAsync(new RetrieveContrastiveRequest { Tenant = "late", Agent = "small", TaskText = "logs" }).ResponseAsync,
            r => r.Tasks.Count == 1, TimeSpan.FromSeconds(20), "the index loading once Redis is back");

        Assert.Equal(StatusCode.Unavailable, loading.StatusCode);
        Assert.Equal("a1", loaded.Tasks[0].AuctionId);
    }
}
