using FsCheck;
using FsCheck.Fluent;
using Grpc.Core;
using Routing.Contracts.Budget.V1;
using Xunit;

namespace Routing.Budget.Tests;

/// <summary>
/// Many concurrent reservers with random amounts on one task: committed + reserved never exceeds the limit
/// (sampled by a concurrent reader throughout), and the final ledger equals the sum of what was committed.
/// </summary>
public sealed class ConcurrencyPropertyTests(SharedBudgetService service) : IClassFixture<SharedBudgetService>
{
    private const int Reservers = 64;

    [Fact]
    public void ConcurrentReserversNeverPushSpendAboveTheLimit()
    {
        var scenarios = from limit in Gen.Choose(1_000, 200_000)
                        from maxAmount in Gen.Choose(1, 20_000)
                        from seed in Gen.Choose(0, int.MaxValue)
                        select (limit, maxAmount, seed);

        Prop.ForAll(scenarios.ToArbitrary(), scenario =>
            {
                var (limit, maxAmount, seed) = scenario;
                return RunScenarioAsync(limit, maxAmount, seed).GetAwaiter().GetResult();
            })
            .Check(Config.QuickThrowOnFailure.WithMaxTest(8));
    }

    private async Task<bool> RunScenarioAsync(long limit, int maxAmount, int seed)
    {
        var client = service.Client;
        var tenant = SharedBudgetService.NewTenant();
        const string taskId = "contended";
        await client.OpenTaskAsync(new OpenTaskRequest { Tenant = tenant, TaskId = taskId, LimitMicros = limit });

        long committedByCallers = 0;
        var violations = 0;
        using var done = new CancellationTokenSource();
        var reader = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                var ledger = await client.GetTaskAsync(new GetTaskRequest { Tenant = tenant, TaskId = taskId });
                if (ledger.CommittedMicros + ledger.ReservedMicros > limit)
                {
                    Interlocked.Increment(ref violations);
                }
            }
        });

        var reservers = Enumerable.Range(0, Reservers).Select(caller => Task.Run(async () =>
        {
            var random = new Random(seed + caller);
            for (var step = 0; step < 8; step++)
            {
                var amount = random.Next(1, maxAmount + 1);
                ReserveResponse reservation;
                try
                {
                    reservation = await client.ReserveAsync(new ReserveRequest
                    {
                        Tenant = tenant, TaskId = taskId, AmountMicros = amount, IdempotencyKey = $"{caller}-{step}",
                    });
                }
                catch (RpcException exception) when (exception.StatusCode == StatusCode.ResourceExhausted)
                {
                    continue;
                }
                if (random.Next(4) == 0)
                {
                    await client.ReleaseAsync(new ReleaseRequest { Tenant = tenant, TaskId = taskId, ReservationId = reservation.ReservationId });
                    continue;
                }
                var actual = random.Next(0, amount + 1);
                await client.CommitAsync(new CommitRequest { Tenant = tenant, TaskId = taskId, ReservationId = reservation.ReservationId, ActualMicros = actual });
                Interlocked.Add(ref committedByCallers, actual);
            }
        })).ToArray();
        await Task.WhenAll(reservers);
        await done.CancelAsync();
        await reader;

        var final = await client.GetTaskAsync(new GetTaskRequest { Tenant = tenant, TaskId = taskId });
        return violations == 0
            && final.CommittedMicros == committedByCallers
            && final.ReservedMicros == 0
            && final.CommittedMicros <= limit
            && final.OverrunMicros == 0;
    }
}
