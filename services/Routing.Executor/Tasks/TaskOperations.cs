using Grpc.Core;
using Microsoft.Extensions.Options;
using Routing.Contracts.Budget.V1;
using Routing.Contracts.Common.V1;
using Routing.Contracts.Executor.V1;
using Routing.Executor.Auctions;
using Routing.Executor.Episodes;
using Routing.Executor.Metrics;
using Routing.Executor.Options;
using Routing.Executor.Pipeline;
using ExecutorGetTaskRequest = Routing.Contracts.Executor.V1.GetTaskRequest;
using ExecutorOpenTaskRequest = Routing.Contracts.Executor.V1.OpenTaskRequest;

namespace Routing.Executor.Tasks;

/// <summary>Opening, reading and completing tasks: the executor's episode state and the budget ledger together.</summary>
public sealed class TaskOperations(
    TaskStore tasks, ServiceClients clients, EpisodeLog episodes, IOptions<ExecutorOptions> options,
    AuctionRunner auctions, AuctionOutcomeRecorder auctionOutcomes, IOptions<ExecutorSaleOptions> saleOptions)
{
    /// <summary>One million dollars: the budget service's largest amount.</summary>
    private const long MaxMicros = 1_000_000_000_000;

    private const int MaxTaskTextLength = 65_536;

    private readonly ExecutorOptions _options = options.Value;
    private readonly ExecutorSaleOptions _sale = saleOptions.Value;

    public async Task<TaskInfo> OpenAsync(string tenant, ExecutorOpenTaskRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ValidateTaskId(request.TaskId);
        if (request.LimitMicros <= 0 || request.LimitMicros > MaxMicros)
        {
            throw StepFailure.Invalid("limit_micros", $"must be between 1 and {MaxMicros} (got {request.LimitMicros})");
        }
        if (request.HasLargeCallCap && request.LargeCallCap < 0)
        {
            throw StepFailure.Invalid("large_call_cap", $"must be ≥ 0 (got {request.LargeCallCap})");
        }
        if (request.Horizon is < 0 or > 100_000)
        {
            throw StepFailure.Invalid("horizon", $"must be between 0 (service default) and 100000 (got {request.Horizon})");
        }
        if (request.TaskText.Length > MaxTaskTextLength)
        {
            throw StepFailure.Invalid("task_text", $"must be at most {MaxTaskTextLength} characters (got {request.TaskText.Length})");
        }
        if (request.TtlSeconds is < 0 or > 30 * 86_400)
        {
            throw StepFailure.Invalid("ttl_seconds", $"must be between 0 (service default) and {30 * 86_400} (got {request.TtlSeconds})");
        }
        if (_sale.AuctionOnOpen && string.IsNullOrWhiteSpace(request.TaskText))
        {
            throw StepFailure.Invalid("task_text", "is required: this executor runs a SALE auction on every task it opens (Routing:Executor:Sale:AuctionOnOpen)");
        }
        var ttl = request.TtlSeconds > 0 ? request.TtlSeconds : _options.TaskTtlSeconds;
        var open = new Contracts.Budget.V1.OpenTaskRequest { Tenant = tenant, TaskId = request.TaskId, LimitMicros = request.LimitMicros, TtlSeconds = ttl };
        if (request.HasLargeCallCap)
        {
            open.LargeCallCap = request.LargeCallCap;
        }
        var ledger = await CallBudgetAsync(c => c.OpenTaskAsync(open, deadline: Deadline(), cancellationToken: cancellationToken), request.TaskId);
        var horizon = request.Horizon > 0 ? request.Horizon : _options.DefaultHorizon;
        var (outcome, state) = await tasks.OpenAsync(tenant, request.TaskId, request.LimitMicros, request.HasLargeCallCap ? request.LargeCallCap : null,
            horizon, request.TaskText, ttl);
        if (outcome == OpenOutcome.Conflict)
        {
            throw new StepFailure(StepFailureKind.Conflict, $"task_id '{request.TaskId}' is already open with other parameters (limit, large-call cap or horizon)", "task_id");
        }
        var info = Info(request.TaskId, state, ledger);
        if (_sale.AuctionOnOpen && !state.Completed)
        {
            // A failed auction fails the open; the task stays open and a retried OpenTask runs (or replays) it.
            info.Auction = await auctions.RunAsync(tenant, new Contracts.Executor.V1.AuctionRequest { TaskId = request.TaskId, Domain = _sale.DefaultDomain }, cancellationToken);
        }
        return info;
    }

    public async Task<TaskInfo> GetAsync(string tenant, ExecutorGetTaskRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ValidateTaskId(request.TaskId);
        var state = await tasks.GetAsync(tenant, request.TaskId) ?? throw StepFailure.NotYourTask(request.TaskId);
        var ledger = await CallBudgetAsync(
            c => c.GetTaskAsync(new Contracts.Budget.V1.GetTaskRequest { Tenant = tenant, TaskId = request.TaskId }, deadline: Deadline(), cancellationToken: cancellationToken),
            request.TaskId);
        var info = Info(request.TaskId, state, ledger);
        if (state.AuctionId is not null && await auctions.StoredAsync(tenant, request.TaskId) is { } auction)
        {
            info.Auction = auction;
        }
        return info;
    }

    /// <summary>Records the outcome, closes the ledger (releasing live reservations) and logs the outcome once.</summary>
    public async Task<TaskInfo> CompleteAsync(string tenant, CompleteTaskRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ValidateTaskId(request.TaskId);
        if (request.Outcome is null)
        {
            throw StepFailure.Invalid("outcome", "is required (success, and optionally score)");
        }
        if (request.Outcome.HasScore && (!double.IsFinite(request.Outcome.Score) || request.Outcome.Score < 0 || request.Outcome.Score > 1))
        {
            throw StepFailure.Invalid("outcome.score", $"must be between 0 and 1 (got {request.Outcome.Score})");
        }
        double? score = request.Outcome.HasScore ? request.Outcome.Score : null;
        var current = await tasks.GetAsync(tenant, request.TaskId) ?? throw StepFailure.NotYourTask(request.TaskId);
        if (current.Completed && (current.Success != request.Outcome.Success || current.Score != score))
        {
            throw new StepFailure(StepFailureKind.Conflict, $"task_id '{request.TaskId}' was already completed with another outcome", "outcome");
        }
        // Close the ledger before recording the outcome: if the budget service is down the call fails with
        // nothing recorded, and its retry logs the outcome exactly once.
        var ledger = await CallBudgetAsync(
            c => c.CloseTaskAsync(new CloseTaskRequest { Tenant = tenant, TaskId = request.TaskId }, deadline: Deadline(), cancellationToken: cancellationToken),
            request.TaskId);
        var (outcome, state) = await tasks.CompleteAsync(tenant, request.TaskId, request.Outcome.Success, score);
        switch (outcome)
        {
            case CompleteOutcome.Missing:
                throw StepFailure.NotYourTask(request.TaskId);
            case CompleteOutcome.Conflict:
                throw new StepFailure(StepFailureKind.Conflict, $"task_id '{request.TaskId}' was already completed with another outcome", "outcome");
        }
        if (outcome == CompleteOutcome.Completed)
        {
            await episodes.AppendAsync(new EpisodeRecord
            {
                Kind = EpisodeRecord.OutcomeKind,
                Tenant = tenant,
                TaskId = request.TaskId,
                TimestampMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                Success = request.Outcome.Success,
                Score = score,
                LimitMicros = ledger.LimitMicros,
                SpentMicros = ledger.CommittedMicros,
                Steps = state!.Steps,
            });
        }
        // Also on a replayed completion: the memory record is idempotent, so a retry after a memory outage records it once.
        await auctionOutcomes.RecordAsync(tenant, request.TaskId, state!, request.Outcome.Success, score, ledger.CommittedMicros, cancellationToken);
        return Info(request.TaskId, state!, ledger);
    }

    /// <summary>Required, at most 256 characters, no control characters (the budget service's id rule).</summary>
    public static void ValidateTaskId(string taskId)
    {
        if (taskId.Length == 0)
        {
            throw StepFailure.Invalid("task_id", "is required");
        }
        if (taskId.Length > 256 || taskId.Any(char.IsControl))
        {
            throw StepFailure.Invalid("task_id", "must be at most 256 characters without control characters");
        }
    }

    private DateTime Deadline() => DateTime.UtcNow.AddMilliseconds(_options.BudgetTimeoutMilliseconds);

    private async Task<TaskLedger> CallBudgetAsync(Func<BudgetService.BudgetServiceClient, AsyncUnaryCall<TaskLedger>> call, string taskId)
    {
        try
        {
            return await call(clients.Budget);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
        {
            throw new StepFailure(StepFailureKind.Conflict, $"task_id '{taskId}' is already open with other parameters ({e.Status.Detail})", "task_id");
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
        {
            var field = e.Status.Detail.Split(' ', 2)[0];
            throw new StepFailure(StepFailureKind.Invalid, e.Status.Detail, field);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            throw new StepFailure(StepFailureKind.TaskClosed, $"task_id '{taskId}': its budget ledger has expired", "task_id");
        }
        catch (RpcException e)
        {
            ExecutorMetrics.BudgetUnavailable.Inc();
            throw new StepFailure(StepFailureKind.BudgetUnavailable, $"the budget service did not answer ({e.StatusCode}: {e.Status.Detail}); retry later");
        }
    }

    private static TaskInfo Info(string taskId, TaskProgress state, TaskLedger ledger)
    {
        var info = new TaskInfo
        {
            TaskId = taskId,
            LimitMicros = ledger.LimitMicros,
            CommittedMicros = ledger.CommittedMicros,
            Budget = ledger.Budget ?? new BudgetState(),
            Steps = state.Steps,
            LargeCalls = state.LargeCalls,
            Completed = state.Completed,
            Horizon = state.Horizon,
            OverrunMicros = ledger.OverrunMicros,
        };
        if (state.Completed)
        {
            info.Outcome = new Outcome { Success = state.Success ?? false };
            if (state.Score is { } score)
            {
                info.Outcome.Score = score;
            }
        }
        return info;
    }
}
