using Grpc.Core;
using Routing.Contracts.Budget.V1;
using Xunit;

namespace Routing.Budget.Tests;

/// <summary>Bad input is InvalidArgument with the field named, and changes nothing.</summary>
public sealed class RequestValidationTests(SharedBudgetService service) : IClassFixture<SharedBudgetService>
{
    public static TheoryData<string, Func<BudgetService.BudgetServiceClient, Task>> BadRequests() => new()
    {
        { "tenant", c => c.OpenTaskAsync(new OpenTaskRequest { Tenant = "", TaskId = "t", LimitMicros = 1 }).ResponseAsync },
        { "tenant", c => c.OpenTaskAsync(new OpenTaskRequest { Tenant = "a{b}", TaskId = "t", LimitMicros = 1 }).ResponseAsync },
        { "task_id", c => c.OpenTaskAsync(new OpenTaskRequest { Tenant = "v", TaskId = "", LimitMicros = 1 }).ResponseAsync },
        { "task_id", c => c.OpenTaskAsync(new OpenTaskRequest { Tenant = "v", TaskId = new string('x', 257), LimitMicros = 1 }).ResponseAsync },
        { "task_id", c => c.OpenTaskAsync(new OpenTaskRequest { Tenant = "v", TaskId = "a\nb", LimitMicros = 1 }).ResponseAsync },
        { "limit_micros", c => c.OpenTaskAsync(new OpenTaskRequest { Tenant = "v", TaskId = "t", LimitMicros = 0 }).ResponseAsync },
        { "limit_micros", c => c.OpenTaskAsync(new OpenTaskRequest { Tenant = "v", TaskId = "t", LimitMicros = -5 }).ResponseAsync },
        { "large_call_cap", c => c.OpenTaskAsync(new OpenTaskRequest { Tenant = "v", TaskId = "t", LimitMicros = 1, LargeCallCap = -1 }).ResponseAsync },
        { "ttl_seconds", c => c.OpenTaskAsync(new OpenTaskRequest { Tenant = "v", TaskId = "t", LimitMicros = 1, TtlSeconds = 5 }).ResponseAsync },
        { "amount_micros", c => c.ReserveAsync(new ReserveRequest { Tenant = "v", TaskId = "t", AmountMicros = 0, IdempotencyKey = "k" }).ResponseAsync },
        { "idempotency_key", c => c.ReserveAsync(new ReserveRequest { Tenant = "v", TaskId = "t", AmountMicros = 1 }).ResponseAsync },
        { "tier", c => c.ReserveAsync(new ReserveRequest { Tenant = "v", TaskId = "t", AmountMicros = 1, IdempotencyKey = "k", Tier = (Routing.Contracts.Common.V1.ModelTier)99 }).ResponseAsync },
        { "lease_seconds", c => c.ReserveAsync(new ReserveRequest { Tenant = "v", TaskId = "t", AmountMicros = 1, IdempotencyKey = "k", LeaseSeconds = -1 }).ResponseAsync },
        { "reservation_id", c => c.CommitAsync(new CommitRequest { Tenant = "v", TaskId = "t", ActualMicros = 1 }).ResponseAsync },
        { "actual_micros", c => c.CommitAsync(new CommitRequest { Tenant = "v", TaskId = "t", ReservationId = "r1", ActualMicros = -1 }).ResponseAsync },
        { "ceiling_micros", c => c.SetTenantCeilingAsync(new SetTenantCeilingRequest { Tenant = "v", CeilingMicros = -1 }).ResponseAsync },
        { "window_seconds", c => c.SetTenantCeilingAsync(new SetTenantCeilingRequest { Tenant = "v", CeilingMicros = 10, WindowSeconds = 1 }).ResponseAsync },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadFieldIsInvalidArgumentNamingTheField(string field, Func<BudgetService.BudgetServiceClient, Task> call)
    {
        ArgumentNullException.ThrowIfNull(call);

        var error = await Assert.ThrowsAsync<RpcException>(() => call(service.Client));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith(field + " ", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RejectedOpenLeavesNoTaskBehind()
    {
        await Assert.ThrowsAsync<RpcException>(() =>
            service.Client.OpenTaskAsync(new OpenTaskRequest { Tenant = "v", TaskId = "never", LimitMicros = 0 }).ResponseAsync);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            service.Client.GetTaskAsync(new GetTaskRequest { Tenant = "v", TaskId = "never" }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }
}
