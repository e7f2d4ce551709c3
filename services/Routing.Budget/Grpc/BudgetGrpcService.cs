using System.Globalization;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Routing.Budget.Ledger;
using Routing.Budget.Options;
using Routing.Contracts.Budget.V1;
using Routing.Contracts.Common.V1;
using Routing.Contracts.Wire;
using static Routing.Budget.Grpc.RequestValidation;
using static Routing.ServiceDefaults.Grpc.FieldValidation;

namespace Routing.Budget.Grpc;

/// <summary>The budget RPCs: validate, run one ledger script, map its outcome to a reply or a status.</summary>
public sealed class BudgetGrpcService(BudgetLedger ledger, IOptions<BudgetOptions> options) : BudgetService.BudgetServiceBase
{
    private readonly BudgetOptions _options = options.Value;

    public override async Task<TaskLedger> OpenTask(OpenTaskRequest request, ServerCallContext context)
    {
        var tenant = Tenant(request.Tenant);
        var taskId = Id("task_id", request.TaskId);
        var limit = PositiveMicros("limit_micros", request.LimitMicros);
        int? cap = request.HasLargeCallCap ? LargeCallCap(request.LargeCallCap) : null;
        var ttl = SecondsOrDefault("ttl_seconds", request.TtlSeconds, _options.DefaultTaskTtlSeconds, 60, _options.MaxTaskTtlSeconds);

        var result = await ledger.OpenTaskAsync(tenant, taskId, limit, cap, ttl);
        if (result.Outcome == OpenOutcome.Conflict)
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists,
                $"task_id '{taskId}' of tenant '{tenant}' is already open with other parameters " +
                $"(limit_micros {result.Task.LimitMicros}, large_call_cap {result.Task.LargeCallCap?.ToString(CultureInfo.InvariantCulture) ?? "none"}, ttl_seconds {result.Task.TtlSeconds})"));
        }
        return result.Task.ToProto();
    }

    public override async Task<ReserveResponse> Reserve(ReserveRequest request, ServerCallContext context)
    {
        var tenant = Tenant(request.Tenant);
        var taskId = Id("task_id", request.TaskId);
        var amount = PositiveMicros("amount_micros", request.AmountMicros);
        var key = Id("idempotency_key", request.IdempotencyKey);
        var lease = SecondsOrDefault("lease_seconds", request.LeaseSeconds, _options.DefaultLeaseSeconds, 1, _options.MaxLeaseSeconds);
        var tier = Tier(request.Tier);

        var result = await ledger.ReserveAsync(tenant, taskId, amount, key, lease, tier == ModelTier.Large, request.CommitOnExpiry);
        switch (result.Outcome)
        {
            case ReserveOutcome.Granted or ReserveOutcome.Replayed:
                var budget = new BudgetState { RemainingMicros = result.RemainingMicros };
                if (result.Task!.LargeCallsLeft is { } left)
                {
                    budget.LargeCallsLeft = left;
                }
                return new ReserveResponse
                {
                    ReservationId = result.ReservationId,
                    AmountMicros = amount,
                    Budget = budget,
                    LeaseExpiresAt = ProtoMapping.FromMs(result.LeaseExpiresAtMs),
                    Replayed = result.Outcome == ReserveOutcome.Replayed,
                };
            case ReserveOutcome.RefusedTaskLimit:
                throw Refused("task_limit", result.RemainingMicros,
                    $"amount_micros {amount} exceeds the {result.RemainingMicros} micros left of task '{taskId}' (limit {result.Task!.LimitMicros})");
            case ReserveOutcome.RefusedTenantCeiling:
                throw Refused("tenant_ceiling", result.RemainingMicros,
                    $"amount_micros {amount} exceeds the {result.RemainingMicros} micros left under the ceiling of tenant '{tenant}'");
            case ReserveOutcome.RefusedLargeCallCap:
                throw Refused("large_call_cap", result.RemainingMicros,
                    $"tier LARGE refused: task '{taskId}' has used its large_call_cap of {result.Task!.LargeCallCap}");
            case ReserveOutcome.IdempotencyConflict:
                throw new RpcException(new Status(StatusCode.FailedPrecondition,
                    $"idempotency_key '{key}' was already used for reservation {result.ReservationId} with another amount_micros or tier"));
            case ReserveOutcome.TaskClosed:
                throw Closed(tenant, taskId);
            default:
                throw TaskNotFound(tenant, taskId);
        }
    }

    public override async Task<CommitResponse> Commit(CommitRequest request, ServerCallContext context)
    {
        var tenant = Tenant(request.Tenant);
        var taskId = Id("task_id", request.TaskId);
        var reservationId = Id("reservation_id", request.ReservationId);
        var actual = NonNegativeMicros("actual_micros", request.ActualMicros);

        var result = await ledger.CommitAsync(tenant, taskId, reservationId, actual, request.UnknownOutcome);
        return result.Outcome switch
        {
            CommitOutcome.Committed or CommitOutcome.Replayed => new CommitResponse
            {
                PreviousState = result.PreviousStatus.ToProto(),
                ActualMicros = actual,
                OverrunMicros = result.OverrunMicros,
                Budget = result.Task!.ToBudgetState(),
                Replayed = result.Outcome == CommitOutcome.Replayed,
            },
            CommitOutcome.ConflictingActual => throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"reservation_id {reservationId} was already committed with actual_micros {result.RecordedActualMicros}, not {actual}")),
            CommitOutcome.AlreadyReleased => throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"reservation_id {reservationId} was released; a released reservation cannot be committed")),
            CommitOutcome.NoReservation => throw ReservationNotFound(taskId, reservationId),
            _ => throw TaskNotFound(tenant, taskId),
        };
    }

    public override async Task<ReleaseResponse> Release(ReleaseRequest request, ServerCallContext context)
    {
        var tenant = Tenant(request.Tenant);
        var taskId = Id("task_id", request.TaskId);
        var reservationId = Id("reservation_id", request.ReservationId);

        var result = await ledger.ReleaseAsync(tenant, taskId, reservationId);
        return result.Outcome switch
        {
            ReleaseOutcome.Released or ReleaseOutcome.Replayed => new ReleaseResponse
            {
                PreviousState = result.PreviousStatus.ToProto(),
                Budget = result.Task!.ToBudgetState(),
                Replayed = result.Outcome == ReleaseOutcome.Replayed,
            },
            ReleaseOutcome.AlreadyCommitted => throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"reservation_id {reservationId} is already committed; committed spend cannot be released")),
            ReleaseOutcome.NoReservation => throw ReservationNotFound(taskId, reservationId),
            _ => throw TaskNotFound(tenant, taskId),
        };
    }

    public override async Task<TaskLedger> GetTask(GetTaskRequest request, ServerCallContext context)
    {
        var tenant = Tenant(request.Tenant);
        var taskId = Id("task_id", request.TaskId);
        var task = await ledger.GetTaskAsync(tenant, taskId) ?? throw TaskNotFound(tenant, taskId);
        return task.ToProto();
    }

    public override async Task<TaskLedger> CloseTask(CloseTaskRequest request, ServerCallContext context)
    {
        var tenant = Tenant(request.Tenant);
        var taskId = Id("task_id", request.TaskId);
        var result = await ledger.CloseTaskAsync(tenant, taskId);
        return result.Task?.ToProto() ?? throw TaskNotFound(tenant, taskId);
    }

    public override async Task<TenantLedger> SetTenantCeiling(SetTenantCeilingRequest request, ServerCallContext context)
    {
        var tenant = Tenant(request.Tenant);
        var ceiling = NonNegativeMicros("ceiling_micros", request.CeilingMicros, MaxCeilingMicros);
        var window = ceiling == 0 ? 0 : request.WindowSeconds is >= 60 and <= 31_536_000
            ? request.WindowSeconds
            : throw Invalid("window_seconds", $"must be between 60 and 31536000 when ceiling_micros > 0 (got {request.WindowSeconds})");
        return (await ledger.TenantAsync(tenant, ceiling, window)).ToProto();
    }

    public override async Task<TenantLedger> GetTenant(GetTenantRequest request, ServerCallContext context)
    {
        var tenant = Tenant(request.Tenant);
        return (await ledger.TenantAsync(tenant, null, 0)).ToProto();
    }

    private static RpcException Refused(string refusal, long remaining, string message) =>
        new(new Status(StatusCode.ResourceExhausted, message), new Metadata
        {
            { RoutingTrailers.RemainingMicros, remaining.ToString(CultureInfo.InvariantCulture) },
            { RoutingTrailers.Refusal, refusal },
        });

    private static RpcException TaskNotFound(string tenant, string taskId) =>
        new(new Status(StatusCode.NotFound, $"task_id '{taskId}' of tenant '{tenant}' not found (never opened, or its ttl passed)"));

    private static RpcException ReservationNotFound(string taskId, string reservationId) =>
        new(new Status(StatusCode.NotFound, $"reservation_id '{reservationId}' not found on task '{taskId}'"));

    private static RpcException Closed(string tenant, string taskId) =>
        new(new Status(StatusCode.FailedPrecondition, $"task_id '{taskId}' of tenant '{tenant}' is closed"));
}
