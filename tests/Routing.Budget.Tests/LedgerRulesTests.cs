using Grpc.Core;
using Routing.Contracts.Budget.V1;
using Routing.Contracts.Common.V1;
using Routing.Contracts.Wire;
using Xunit;

namespace Routing.Budget.Tests;

/// <summary>The ledger's rules, end to end through a real gRPC client against the service on loopback.</summary>
public sealed class LedgerRulesTests(SharedBudgetService service) : IClassFixture<SharedBudgetService>
{
    private readonly BudgetService.BudgetServiceClient _client = service.Client;
    private readonly string _tenant = SharedBudgetService.NewTenant();

    [Fact]
    public async Task OpenTaskReturnsAFreshLedger()
    {
        var task = await Open("a", 1_000);

        Assert.Equal(TaskState.Open, task.State);
        Assert.Equal(1_000, task.LimitMicros);
        Assert.Equal(1_000, task.Budget.RemainingMicros);
        Assert.False(task.HasLargeCallCap);
    }

    [Fact]
    public async Task ReopeningWithTheSameParametersReturnsTheExistingTask()
    {
        await Open("a", 1_000);
        await Reserve("a", 400, "k1");

        var again = await Open("a", 1_000);

        Assert.Equal(400, again.ReservedMicros);
    }

    [Fact]
    public async Task ReopeningWithOtherParametersIsAlreadyExists()
    {
        await Open("a", 1_000);

        var error = await Assert.ThrowsAsync<RpcException>(() => Open("a", 2_000));

        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
        Assert.Contains("limit_micros 1000", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReserveWithinTheLimitIsGrantedAndReportsWhatRemains()
    {
        await Open("a", 1_000);

        var reservation = await Reserve("a", 300, "k1");

        Assert.False(string.IsNullOrEmpty(reservation.ReservationId));
        Assert.Equal(700, reservation.Budget.RemainingMicros);
        Assert.False(reservation.Replayed);
    }

    [Fact]
    public async Task ReserveBeyondLimitIsRefusedWithTheRemainingAmount()
    {
        await Open("a", 1_000);
        await Reserve("a", 800, "k1");

        var error = await Assert.ThrowsAsync<RpcException>(() => Reserve("a", 300, "k2"));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal("200", error.Trailers.GetValue(RoutingTrailers.RemainingMicros));
        Assert.Equal("task_limit", error.Trailers.GetValue(RoutingTrailers.Refusal));
        Assert.Contains("amount_micros 300", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReserveRetriedWithTheSameKeyGetsTheSameAnswer()
    {
        await Open("a", 1_000);
        var first = await Reserve("a", 300, "k1");
        await Reserve("a", 100, "k2");

        var retry = await Reserve("a", 300, "k1");

        Assert.Equal(first.ReservationId, retry.ReservationId);
        Assert.Equal(first.Budget.RemainingMicros, retry.Budget.RemainingMicros);
        Assert.Equal(first.LeaseExpiresAt, retry.LeaseExpiresAt);
        Assert.True(retry.Replayed);
        Assert.Equal(400, (await Get("a")).ReservedMicros);
    }

    [Fact]
    public async Task ReusingAKeyForAnotherAmountIsFailedPrecondition()
    {
        await Open("a", 1_000);
        await Reserve("a", 300, "k1");

        var error = await Assert.ThrowsAsync<RpcException>(() => Reserve("a", 301, "k1"));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("idempotency_key", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CommitMovesTheReservationIntoCommittedSpend()
    {
        await Open("a", 1_000);
        var reservation = await Reserve("a", 300, "k1");

        var commit = await Commit("a", reservation.ReservationId, 250);
        var task = await Get("a");

        Assert.Equal(ReservationState.Live, commit.PreviousState);
        Assert.Equal(0, commit.OverrunMicros);
        Assert.Equal(750, commit.Budget.RemainingMicros);
        Assert.Equal(250, task.CommittedMicros);
        Assert.Equal(0, task.ReservedMicros);
    }

    [Fact]
    public async Task CommitRetriedWithTheSameActualIsReplayedNotCountedTwice()
    {
        await Open("a", 1_000);
        var reservation = await Reserve("a", 300, "k1");
        await Commit("a", reservation.ReservationId, 250);

        var retry = await Commit("a", reservation.ReservationId, 250);

        Assert.True(retry.Replayed);
        Assert.Equal(250, (await Get("a")).CommittedMicros);
    }

    [Fact]
    public async Task CommitRetriedWithAnotherActualIsFailedPrecondition()
    {
        await Open("a", 1_000);
        var reservation = await Reserve("a", 300, "k1");
        await Commit("a", reservation.ReservationId, 250);

        var error = await Assert.ThrowsAsync<RpcException>(() => Commit("a", reservation.ReservationId, 260));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("actual_micros 250", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CommitAboveTheReservationIsRecordedAsAnOverrun()
    {
        await Open("a", 1_000);
        var reservation = await Reserve("a", 300, "k1");

        var commit = await Commit("a", reservation.ReservationId, 450);
        var task = await Get("a");

        Assert.Equal(150, commit.OverrunMicros);
        Assert.Equal(450, task.CommittedMicros);
        Assert.Equal(150, task.OverrunMicros);
    }

    [Fact]
    public async Task ReleaseReturnsTheAmountAndIsIdempotent()
    {
        await Open("a", 1_000);
        var reservation = await Reserve("a", 300, "k1");

        var release = await _client.ReleaseAsync(new ReleaseRequest { Tenant = _tenant, TaskId = "a", ReservationId = reservation.ReservationId });
        var retry = await _client.ReleaseAsync(new ReleaseRequest { Tenant = _tenant, TaskId = "a", ReservationId = reservation.ReservationId });

        Assert.Equal(1_000, release.Budget.RemainingMicros);
        Assert.Equal(ReservationState.Live, release.PreviousState);
        Assert.True(retry.Replayed);
        Assert.Equal(1, (await Get("a")).ReservationsReleased);
    }

    [Fact]
    public async Task CommittingAReleasedReservationIsFailedPrecondition()
    {
        await Open("a", 1_000);
        var reservation = await Reserve("a", 300, "k1");
        await _client.ReleaseAsync(new ReleaseRequest { Tenant = _tenant, TaskId = "a", ReservationId = reservation.ReservationId });

        var error = await Assert.ThrowsAsync<RpcException>(() => Commit("a", reservation.ReservationId, 10));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal(0, (await Get("a")).CommittedMicros);
    }

    [Fact]
    public async Task ReleasingACommittedReservationIsFailedPrecondition()
    {
        await Open("a", 1_000);
        var reservation = await Reserve("a", 300, "k1");
        await Commit("a", reservation.ReservationId, 100);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _client.ReleaseAsync(new ReleaseRequest { Tenant = _tenant, TaskId = "a", ReservationId = reservation.ReservationId }).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
    }

    [Fact]
    public async Task UnknownTaskIsNotFoundNamingTheTask()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Reserve("missing", 10, "k1"));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("task_id 'missing'", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownReservationIsNotFound()
    {
        await Open("a", 1_000);

        var error = await Assert.ThrowsAsync<RpcException>(() => Commit("a", "r999", 10));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("reservation_id 'r999'", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CloseReleasesLiveReservationsAndReportsFinalSpend()
    {
        await Open("a", 1_000);
        var spent = await Reserve("a", 300, "k1");
        await Commit("a", spent.ReservationId, 200);
        await Reserve("a", 400, "k2");

        var report = await _client.CloseTaskAsync(new CloseTaskRequest { Tenant = _tenant, TaskId = "a" });
        var again = await _client.CloseTaskAsync(new CloseTaskRequest { Tenant = _tenant, TaskId = "a" });

        Assert.Equal(TaskState.Closed, report.State);
        Assert.Equal(200, report.CommittedMicros);
        Assert.Equal(0, report.ReservedMicros);
        Assert.Equal(1, report.ReservationsExpired);
        Assert.Equal(report, again);
    }

    [Fact]
    public async Task ReserveOnAClosedTaskIsFailedPrecondition()
    {
        await Open("a", 1_000);
        await _client.CloseTaskAsync(new CloseTaskRequest { Tenant = _tenant, TaskId = "a" });

        var error = await Assert.ThrowsAsync<RpcException>(() => Reserve("a", 10, "k1"));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("closed", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CommitAfterCloseIsStillRecordedAsAnOverrun()
    {
        await Open("a", 1_000);
        var inFlight = await Reserve("a", 300, "k1");
        await _client.CloseTaskAsync(new CloseTaskRequest { Tenant = _tenant, TaskId = "a" });

        var commit = await Commit("a", inFlight.ReservationId, 120);

        Assert.Equal(ReservationState.Expired, commit.PreviousState);
        Assert.Equal(120, commit.OverrunMicros);
        Assert.Equal(120, (await Get("a")).CommittedMicros);
    }

    [Fact]
    public async Task LargeCallCapRefusesTheCallBeyondIt()
    {
        await _client.OpenTaskAsync(new OpenTaskRequest { Tenant = _tenant, TaskId = "a", LimitMicros = 1_000, LargeCallCap = 1 });
        var first = await Reserve("a", 100, "k1", ModelTier.Large);

        var error = await Assert.ThrowsAsync<RpcException>(() => Reserve("a", 100, "k2", ModelTier.Large));
        var small = await Reserve("a", 100, "k3", ModelTier.Small);

        Assert.Equal(0, first.Budget.LargeCallsLeft);
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal("large_call_cap", error.Trailers.GetValue(RoutingTrailers.Refusal));
        Assert.Equal(800, small.Budget.RemainingMicros);
    }

    [Fact]
    public async Task TenantCeilingIsCheckedAcrossTasksInTheSameStep()
    {
        await _client.SetTenantCeilingAsync(new SetTenantCeilingRequest { Tenant = _tenant, CeilingMicros = 1_000, WindowSeconds = 3_600 });
        await Open("a", 800);
        await Open("b", 800);
        var a = await Reserve("a", 700, "k1");
        await Commit("a", a.ReservationId, 600);

        var error = await Assert.ThrowsAsync<RpcException>(() => Reserve("b", 500, "k2"));
        var fits = await Reserve("b", 400, "k3");
        var tenant = await _client.GetTenantAsync(new GetTenantRequest { Tenant = _tenant });

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal("tenant_ceiling", error.Trailers.GetValue(RoutingTrailers.Refusal));
        Assert.Equal("400", error.Trailers.GetValue(RoutingTrailers.RemainingMicros));
        Assert.Equal(400, fits.AmountMicros);
        Assert.Equal(600, tenant.WindowCommittedMicros);
        Assert.Equal(400, tenant.ReservedMicros);
        Assert.Equal(0, tenant.RemainingMicros);
    }

    [Fact]
    public async Task ExpiredLeaseGivesTheBudgetBackAndALateCommitIsAnOverrun()
    {
        await Open("a", 1_000);
        var reservation = await _client.ReserveAsync(new ReserveRequest
        {
            Tenant = _tenant, TaskId = "a", AmountMicros = 600, IdempotencyKey = "k1", LeaseSeconds = 1,
        });
        await Task.Delay(TimeSpan.FromSeconds(1.2));

        var afterExpiry = await Get("a");
        var late = await Commit("a", reservation.ReservationId, 500);

        Assert.Equal(0, afterExpiry.ReservedMicros);
        Assert.Equal(1_000, afterExpiry.Budget.RemainingMicros);
        Assert.Equal(1, afterExpiry.ReservationsExpired);
        Assert.Equal(ReservationState.Expired, late.PreviousState);
        Assert.Equal(500, late.OverrunMicros);
    }

    private Task<TaskLedger> Open(string taskId, long limit) =>
        _client.OpenTaskAsync(new OpenTaskRequest { Tenant = _tenant, TaskId = taskId, LimitMicros = limit }).ResponseAsync;

    private Task<ReserveResponse> Reserve(string taskId, long amount, string key, ModelTier tier = ModelTier.Small) =>
        _client.ReserveAsync(new ReserveRequest { Tenant = _tenant, TaskId = taskId, AmountMicros = amount, IdempotencyKey = key, Tier = tier }).ResponseAsync;

    private Task<CommitResponse> Commit(string taskId, string reservationId, long actual) =>
        _client.CommitAsync(new CommitRequest { Tenant = _tenant, TaskId = taskId, ReservationId = reservationId, ActualMicros = actual }).ResponseAsync;

    private Task<TaskLedger> Get(string taskId) =>
        _client.GetTaskAsync(new GetTaskRequest { Tenant = _tenant, TaskId = taskId }).ResponseAsync;
}
