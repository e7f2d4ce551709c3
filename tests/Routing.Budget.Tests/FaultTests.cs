using Grpc.Core;
using Grpc.Net.Client;
using Routing.Contracts.Budget.V1;
using Routing.ServiceDefaults.Hosting;
using Routing.Testing;
using Xunit;

namespace Routing.Budget.Tests;

/// <summary>Crashes of Redis and of callers, against a real redis-server with AOF (CI installs one).</summary>
public sealed class FaultTests
{
    [SkippableFact]
    public async Task RedisKilledMidRunLosesNoCommittedSpendAndTheServiceReconnects()
    {
        using var redis = RedisServerProcess.StartOrSkip();
        await using var budget = await BudgetServiceInstance.StartAsync(redis.ConnectionString);
        var client = budget.Client;
        const string tenant = "faults";
        const long limit = 50_000_000;
        await client.OpenTaskAsync(new OpenTaskRequest { Tenant = tenant, TaskId = "t", LimitMicros = limit });

        long acknowledged = 0, uncertain = 0, unavailable = 0;
        using var stop = new CancellationTokenSource();
        var callers = Enumerable.Range(0, 16).Select(caller => Task.Run(async () =>
        {
            for (var step = 0; !stop.IsCancellationRequested; step++)
            {
                string reservationId;
                try
                {
                    reservationId = (await client.ReserveAsync(new ReserveRequest
                    {
                        Tenant = tenant, TaskId = "t", AmountMicros = 1_000, IdempotencyKey = $"{caller}-{step}",
                    })).ReservationId;
                }
                catch (RpcException exception) when (exception.StatusCode == StatusCode.Unavailable)
                {
                    Interlocked.Increment(ref unavailable);
                    await Task.Delay(20);
                    continue;
                }
                try
                {
                    await client.CommitAsync(new CommitRequest { Tenant = tenant, TaskId = "t", ReservationId = reservationId, ActualMicros = 700 });
                    Interlocked.Add(ref acknowledged, 700);
                }
                catch (RpcException exception) when (exception.StatusCode == StatusCode.Unavailable)
                {
                    // The commit may or may not have reached Redis before it died: an unknown outcome.
                    Interlocked.Add(ref uncertain, 700);
                    Interlocked.Increment(ref unavailable);
                }
            }
        })).ToArray();

        await Task.Delay(700);
        redis.Kill();
        await Task.Delay(500);
        redis.Start();
        await Task.Delay(1_000);
        await stop.CancelAsync();
        await Task.WhenAll(callers);

        var ledger = await Eventually.ReturnsAsync(
            () => client.GetTaskAsync(new GetTaskRequest { Tenant = tenant, TaskId = "t" }).ResponseAsync,
            _ => true, TimeSpan.FromSeconds(15), "the service reconnecting to the restarted Redis");
        Assert.True(unavailable > 0, "the run should have seen Redis down");
        Assert.InRange(ledger.CommittedMicros, acknowledged, acknowledged + uncertain);
        Assert.True(ledger.CommittedMicros + ledger.ReservedMicros <= limit);
    }

    [SkippableFact]
    public async Task RedisUnreachableIsUnavailableAndNothingIsGranted()
    {
        using var redis = RedisServerProcess.StartOrSkip();
        await using var budget = await BudgetServiceInstance.StartAsync(redis.ConnectionString);
        await budget.Client.OpenTaskAsync(new OpenTaskRequest { Tenant = "down", TaskId = "t", LimitMicros = 1_000 });
        redis.Kill();

        var error = await Assert.ThrowsAsync<RpcException>(() => budget.Client.ReserveAsync(new ReserveRequest
        {
            Tenant = "down", TaskId = "t", AmountMicros = 10, IdempotencyKey = "k",
        }).ResponseAsync);
        redis.Start();
        var ledger = await Eventually.ReturnsAsync(
            () => budget.Client.GetTaskAsync(new GetTaskRequest { Tenant = "down", TaskId = "t" }).ResponseAsync,
            _ => true, TimeSpan.FromSeconds(15), "reconnect");

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("Redis", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0, ledger.ReservedMicros + ledger.CommittedMicros);
    }

    [Fact]
    public async Task CallerThatVanishesBetweenReserveAndCommitGetsItsBudgetBackWhenTheLeaseExpires()
    {
        var prefix = TestRedis.UniquePrefix();
        await using var budget = await BudgetServiceInstance.StartAsync(keyPrefix: prefix);
        await budget.Client.OpenTaskAsync(new OpenTaskRequest { Tenant = "crash", TaskId = "t", LimitMicros = 1_000 });

        // The doomed caller has its own connection, reserves almost everything, and disappears.
        using (var doomedChannel = GrpcChannel.ForAddress($"http://127.0.0.1:{budget.Endpoint.GrpcPort}"))
        {
            var doomed = new BudgetService.BudgetServiceClient(doomedChannel);
            await doomed.ReserveAsync(new ReserveRequest { Tenant = "crash", TaskId = "t", AmountMicros = 900, IdempotencyKey = "k", LeaseSeconds = 3 });
        }
        var blocked = await Assert.ThrowsAsync<RpcException>(() => budget.Client.ReserveAsync(new ReserveRequest
        {
            Tenant = "crash", TaskId = "t", AmountMicros = 500, IdempotencyKey = "other",
        }).ResponseAsync);

        // Nobody touches the task again: the background sweeper alone must reclaim the lease.
        var tenant = await Eventually.ReturnsAsync(
            () => budget.Client.GetTenantAsync(new GetTenantRequest { Tenant = "crash" }).ResponseAsync,
            t => t.ReservedMicros == 0, TimeSpan.FromSeconds(20), "the sweeper reclaiming the lease");
        var ledger = await budget.Client.GetTaskAsync(new GetTaskRequest { Tenant = "crash", TaskId = "t" });

        Assert.Equal(StatusCode.ResourceExhausted, blocked.StatusCode);
        Assert.Equal(0, tenant.ReservedMicros);
        Assert.Equal(1_000, ledger.Budget.RemainingMicros);
        Assert.Equal(1, ledger.ReservationsExpired);
    }

    [Fact]
    public async Task SameIdempotencyKeyGetsTheSameAnswerAfterAServiceRestart()
    {
        var prefix = TestRedis.UniquePrefix();
        ReserveResponse first;
        await using (var before = await BudgetServiceInstance.StartAsync(keyPrefix: prefix))
        {
            await before.Client.OpenTaskAsync(new OpenTaskRequest { Tenant = "restart", TaskId = "t", LimitMicros = 1_000 });
            first = await before.Client.ReserveAsync(new ReserveRequest { Tenant = "restart", TaskId = "t", AmountMicros = 300, IdempotencyKey = "k" });
        }

        await using var after = await BudgetServiceInstance.StartAsync(keyPrefix: prefix);
        var retry = await after.Client.ReserveAsync(new ReserveRequest { Tenant = "restart", TaskId = "t", AmountMicros = 300, IdempotencyKey = "k" });

        Assert.Equal(first.ReservationId, retry.ReservationId);
        Assert.Equal(first.Budget, retry.Budget);
        Assert.True(retry.Replayed);
    }
}
