using Grpc.Core;
using Routing.Contracts.Budget.V1;
using Routing.Contracts.Common.V1;
using Routing.Testing;
using Xunit;

namespace Routing.Budget.Tests;

/// <summary>
/// The ledger on a real three-master Redis Cluster: Redis refuses a script whose keys span slots (CROSSSLOT), so
/// these pass only while every ledger script keeps to its tenant's hash tag. Tenants spread over the masters.
/// </summary>
public sealed class ClusterTests
{
    private static readonly string[] Tenants = ["acme", "globex", "initech", "umbrella", "hooli"];

    [SkippableFact]
    public async Task EveryLedgerCallWorksForTenantsOnEveryMaster()
    {
        using var cluster = RedisClusterProcess.StartOrSkip();
        await using var budget = await BudgetServiceInstance.StartAsync(redis: cluster.ConnectionString);
        var client = budget.Client;

        foreach (var tenant in Tenants)
        {
            await client.SetTenantCeilingAsync(new SetTenantCeilingRequest { Tenant = tenant, CeilingMicros = 1_000, WindowSeconds = 3_600 });
            await client.OpenTaskAsync(new OpenTaskRequest { Tenant = tenant, TaskId = "t", LimitMicros = 800 });
            var first = await client.ReserveAsync(Reserve(tenant, 300, "k1"));
            var second = await client.ReserveAsync(Reserve(tenant, 400, "k2"));
            var replay = await client.ReserveAsync(Reserve(tenant, 300, "k1"));
            await client.CommitAsync(new CommitRequest { Tenant = tenant, TaskId = "t", ReservationId = first.ReservationId, ActualMicros = 250 });
            await client.ReleaseAsync(new ReleaseRequest { Tenant = tenant, TaskId = "t", ReservationId = second.ReservationId });
            var refused = await Assert.ThrowsAsync<RpcException>(() => client.ReserveAsync(Reserve(tenant, 600, "k3")).ResponseAsync);
            var closed = await client.CloseTaskAsync(new CloseTaskRequest { Tenant = tenant, TaskId = "t" });
            var ledger = await client.GetTenantAsync(new GetTenantRequest { Tenant = tenant });

            Assert.Equal(first.ReservationId, replay.ReservationId);
            Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
            Assert.Equal(250, closed.CommittedMicros);
            Assert.Equal(0, closed.ReservedMicros);
            Assert.Equal(250, ledger.WindowCommittedMicros);
            Assert.Equal(750, ledger.RemainingMicros);
        }
    }

    private static ReserveRequest Reserve(string tenant, long amount, string key) =>
        new() { Tenant = tenant, TaskId = "t", AmountMicros = amount, IdempotencyKey = key, Tier = ModelTier.Small };
}
