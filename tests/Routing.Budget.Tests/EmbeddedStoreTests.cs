using Grpc.Core;
using Routing.Contracts.Budget.V1;
using Routing.EmbeddedRedis;
using Routing.Testing;
using Xunit;

namespace Routing.Budget.Tests;

/// <summary>The embedded store that <c>routing up</c> runs holds ledgers like a Redis: atomic scripts across clients, durable on disk.</summary>
public sealed class EmbeddedStoreTests
{
    [Fact]
    public async Task TwoServicesReservingOnOneEmbeddedStoreNeverGrantBeyondTheLimit()
    {
        // Two budget services with their own connections stand for two `routing` processes on one store.
        using var store = EmbeddedRedisServer.Start();
        var prefix = TestRedis.UniquePrefix();
        await using var first = await BudgetServiceInstance.StartAsync(store.ConnectionString, prefix);
        await using var second = await BudgetServiceInstance.StartAsync(store.ConnectionString, prefix);
        const long limit = 500;
        const long amount = 25;
        var overGranted = new List<string>();

        for (var storm = 0; storm < 20; storm++)
        {
            var taskId = $"storm-{storm}";
            await first.Client.OpenTaskAsync(new OpenTaskRequest { Tenant = "storm", TaskId = taskId, LimitMicros = limit });
            var reserves = Enumerable.Range(0, 80).Select(caller => Task.Run(async () =>
            {
                var client = caller % 2 == 0 ? first.Client : second.Client;
                try
                {
                    return (await client.ReserveAsync(new ReserveRequest
                    {
                        Tenant = "storm", TaskId = taskId, AmountMicros = amount, IdempotencyKey = $"c{caller}",
                    })).ReservationId;
                }
                catch (RpcException exception) when (exception.StatusCode == StatusCode.ResourceExhausted)
                {
                    return null;
                }
            })).ToArray();
            var granted = (await Task.WhenAll(reserves)).OfType<string>().ToList();
            var ledger = await first.Client.GetTaskAsync(new GetTaskRequest { Tenant = "storm", TaskId = taskId });

            if (granted.Count * amount > limit || granted.Distinct().Count() != granted.Count || ledger.ReservedMicros > limit)
            {
                overGranted.Add($"{taskId}: {granted.Count} grants ({granted.Distinct().Count()} distinct ids), {ledger.ReservedMicros} µ$ reserved");
            }
        }

        Assert.Empty(overGranted);
    }

    [Fact]
    public async Task EmbeddedStoreRestartedOnItsDataDirectoryKeepsTheLedgers()
    {
        var directory = Directory.CreateTempSubdirectory("routing-store-test-").FullName;
        try
        {
            var prefix = TestRedis.UniquePrefix();
            ReserveResponse reserved;
            using (var before = EmbeddedRedisServer.Start(dataDirectory: directory))
            {
                await using var budget = await BudgetServiceInstance.StartAsync(before.ConnectionString, prefix);
                await budget.Client.OpenTaskAsync(new OpenTaskRequest { Tenant = "durable", TaskId = "t", LimitMicros = 1_000 });
                var committed = await budget.Client.ReserveAsync(new ReserveRequest { Tenant = "durable", TaskId = "t", AmountMicros = 300, IdempotencyKey = "a" });
                await budget.Client.CommitAsync(new CommitRequest { Tenant = "durable", TaskId = "t", ReservationId = committed.ReservationId, ActualMicros = 250 });
                reserved = await budget.Client.ReserveAsync(new ReserveRequest { Tenant = "durable", TaskId = "t", AmountMicros = 400, IdempotencyKey = "b" });
            }

            using var after = EmbeddedRedisServer.Start(dataDirectory: directory);
            await using var restarted = await BudgetServiceInstance.StartAsync(after.ConnectionString, prefix);
            var ledger = await restarted.Client.GetTaskAsync(new GetTaskRequest { Tenant = "durable", TaskId = "t" });
            var retry = await restarted.Client.ReserveAsync(new ReserveRequest { Tenant = "durable", TaskId = "t", AmountMicros = 400, IdempotencyKey = "b" });

            Assert.True(after.IsDurable);
            Assert.Equal(250, ledger.CommittedMicros);
            Assert.Equal(400, ledger.ReservedMicros);
            Assert.True(retry.Replayed);
            Assert.Equal(reserved.ReservationId, retry.ReservationId);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void AnotherFailureToOpenTheLockSurfacesAsItselfNotAsInUse()
    {
        var directory = Directory.CreateTempSubdirectory("routing-garnet-lock-").FullName;
        try
        {
            // The lock file is a link into a folder that does not exist: opening it fails, but nobody holds it.
            File.CreateSymbolicLink(Path.Combine(directory, "routing.lock"), Path.Combine(directory, "missing", "routing.lock"));

            var error = Assert.ThrowsAny<IOException>(() => EmbeddedRedisServer.Start(dataDirectory: directory));

            Assert.IsType<FileNotFoundException>(error);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void AStartThatFailsAfterTakingTheLockReleasesIt()
    {
        var directory = Directory.CreateTempSubdirectory("routing-garnet-lock-").FullName;
        try
        {
            // A file where the log folder goes: the start fails after the lock was taken.
            File.WriteAllText(Path.Combine(directory, "log"), "");

            Assert.ThrowsAny<IOException>(() => EmbeddedRedisServer.Start(dataDirectory: directory));
            // FileShare.None takes the same exclusive lock: it throws while the failed start still holds it.
            var relock = Record.Exception(() =>
                new FileStream(Path.Combine(directory, "routing.lock"), FileMode.Open, FileAccess.ReadWrite, FileShare.None).Dispose());

            Assert.Null(relock);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void ASecondServerOnADataDirectoryInUseIsRefusedNamingTheDirectory()
    {
        var directory = Directory.CreateTempSubdirectory("routing-garnet-lock-").FullName;
        try
        {
            using var first = EmbeddedRedisServer.Start(dataDirectory: directory);

            var error = Assert.Throws<DataDirectoryInUseException>(() => EmbeddedRedisServer.Start(dataDirectory: directory));

            Assert.Contains(directory, error.Message);
            Assert.Contains("in use", error.Message);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
