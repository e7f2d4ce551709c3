using Routing.Contracts.Budget.V1;
using Routing.Testing;
using Xunit;

namespace Routing.Budget.Tests;

/// <summary>
/// Spend that may have happened is never given back: the lease of a reservation whose call may have been sent
/// commits it at its amount, and spend from before a tenant ceiling existed counts under it.
/// </summary>
public sealed class UnknownOutcomeTests(SharedBudgetService service) : IClassFixture<SharedBudgetService>
{
    private readonly BudgetService.BudgetServiceClient _client = service.Client;
    private readonly string _tenant = SharedBudgetService.NewTenant();

    [Fact]
    public async Task AnExpiredLeaseOfASentCallIsCommittedAtItsAmountAndALaterKnownCommitCorrectsIt()
    {
        await _client.OpenTaskAsync(new OpenTaskRequest { Tenant = _tenant, TaskId = "t", LimitMicros = 10_000 });
        var sent = await _client.ReserveAsync(new ReserveRequest { Tenant = _tenant, TaskId = "t", AmountMicros = 700, IdempotencyKey = "sent", LeaseSeconds = 1, CommitOnExpiry = true });
        var unsent = await _client.ReserveAsync(new ReserveRequest { Tenant = _tenant, TaskId = "t", AmountMicros = 300, IdempotencyKey = "unsent", LeaseSeconds = 1 });

        var expired = await Eventually.ReturnsAsync(() => _client.GetTaskAsync(new GetTaskRequest { Tenant = _tenant, TaskId = "t" }).ResponseAsync,
            l => l.ReservedMicros == 0, TimeSpan.FromSeconds(15), "both leases to end");
        var late = await _client.CommitAsync(new CommitRequest { Tenant = _tenant, TaskId = "t", ReservationId = sent.ReservationId, ActualMicros = 450 });
        var after = await _client.GetTaskAsync(new GetTaskRequest { Tenant = _tenant, TaskId = "t" });

        Assert.Equal(700, expired.CommittedMicros);
        Assert.Equal(1, expired.ReservationsUnknownOutcome);
        Assert.Equal(1, expired.ReservationsExpired);
        Assert.Equal(ReservationState.Expired, late.PreviousState);
        Assert.Equal(450, after.CommittedMicros);
        Assert.Equal(0, after.ReservationsUnknownOutcome);
        Assert.NotEqual(sent.ReservationId, unsent.ReservationId);
    }

    [Fact]
    public async Task AnUnknownOutcomeCommitIsReplayedByTheSameCommitAndCorrectedOnceByAKnownOne()
    {
        await _client.OpenTaskAsync(new OpenTaskRequest { Tenant = _tenant, TaskId = "u", LimitMicros = 10_000 });
        var r = await _client.ReserveAsync(new ReserveRequest { Tenant = _tenant, TaskId = "u", AmountMicros = 900, IdempotencyKey = "k", CommitOnExpiry = true });

        await _client.CommitAsync(new CommitRequest { Tenant = _tenant, TaskId = "u", ReservationId = r.ReservationId, ActualMicros = 900, UnknownOutcome = true });
        var again = await _client.CommitAsync(new CommitRequest { Tenant = _tenant, TaskId = "u", ReservationId = r.ReservationId, ActualMicros = 900, UnknownOutcome = true });
        await _client.CommitAsync(new CommitRequest { Tenant = _tenant, TaskId = "u", ReservationId = r.ReservationId, ActualMicros = 1_200 });
        var second = await Assert.ThrowsAsync<global::Grpc.Core.RpcException>(() =>
            _client.CommitAsync(new CommitRequest { Tenant = _tenant, TaskId = "u", ReservationId = r.ReservationId, ActualMicros = 100 }).ResponseAsync);
        var ledger = await _client.GetTaskAsync(new GetTaskRequest { Tenant = _tenant, TaskId = "u" });

        Assert.True(again.Replayed);
        Assert.Equal(global::Grpc.Core.StatusCode.FailedPrecondition, second.StatusCode);
        Assert.Equal(1_200, ledger.CommittedMicros);
        Assert.Equal(300, ledger.OverrunMicros);
        Assert.Equal(0, ledger.ReservationsUnknownOutcome);
    }

    [Fact]
    public async Task ACeilingCountsSpendCommittedBeforeItWasSet()
    {
        await _client.OpenTaskAsync(new OpenTaskRequest { Tenant = _tenant, TaskId = "before", LimitMicros = 100_000 });
        await _client.OpenTaskAsync(new OpenTaskRequest { Tenant = _tenant, TaskId = "after", LimitMicros = 100_000 });
        var spent = await _client.ReserveAsync(new ReserveRequest { Tenant = _tenant, TaskId = "before", AmountMicros = 30_000, IdempotencyKey = "k" });
        await _client.CommitAsync(new CommitRequest { Tenant = _tenant, TaskId = "before", ReservationId = spent.ReservationId, ActualMicros = 30_000 });

        var tenant = await _client.SetTenantCeilingAsync(new SetTenantCeilingRequest { Tenant = _tenant, CeilingMicros = 50_000, WindowSeconds = 3_600 });
        var refused = await Assert.ThrowsAsync<global::Grpc.Core.RpcException>(() =>
            _client.ReserveAsync(new ReserveRequest { Tenant = _tenant, TaskId = "after", AmountMicros = 40_000, IdempotencyKey = "k" }).ResponseAsync);
        var fits = await _client.ReserveAsync(new ReserveRequest { Tenant = _tenant, TaskId = "after", AmountMicros = 20_000, IdempotencyKey = "k2" });

        Assert.Equal(30_000, tenant.WindowCommittedMicros);
        Assert.Equal(global::Grpc.Core.StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal("tenant_ceiling", refused.Trailers.GetValue("routing-refusal"));
        Assert.Equal(20_000, fits.AmountMicros);
    }
}
