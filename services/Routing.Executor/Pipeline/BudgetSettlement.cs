using System.Globalization;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Routing.Contracts.Budget.V1;
using Routing.Contracts.Wire;
using Routing.Executor.Metrics;
using Routing.Executor.Options;

namespace Routing.Executor.Pipeline;

/// <summary>What a reservation is for, as refusals name it.</summary>
/// <param name="WorstCase">The amount's description, e.g. "this step's worst case".</param>
/// <param name="WhenExhausted">Advice appended to a budget refusal.</param>
/// <param name="InvalidField">The request field to blame when the budget service rejects the amount as invalid.</param>
public sealed record ReservationPurpose(string WorstCase, string WhenExhausted, string InvalidField);

/// <summary>
/// Reserves before money is spent (every budget answer mapped to one <see cref="StepFailure"/>: nothing is spent
/// without a grant) and settles the reservation once the money it guarded was (or was not) spent: commit the
/// actual amount with bounded retries and park it for the background retrier when the budget service stays away,
/// or release it. Shared by steps and auctions so both follow one rule and give the same answers.
/// </summary>
public sealed class BudgetSettlement(ServiceClients clients, ParkedCommits parked, IOptions<ExecutorOptions> options, ILogger<BudgetSettlement> logger)
{
    private readonly ExecutorOptions _options = options.Value;

    /// <summary>
    /// Reserves <paramref name="request"/>'s amount. A refusal is <see cref="StepFailureKind.BudgetExhausted"/> with the
    /// remaining amount; a closed or expired ledger <see cref="StepFailureKind.TaskClosed"/>; an amount the budget
    /// service rejects <see cref="StepFailureKind.Invalid"/>; an unreachable budget service
    /// <see cref="StepFailureKind.BudgetUnavailable"/>. Nothing has been spent in any of these cases.
    /// </summary>
    public async Task<ReserveResponse> ReserveAsync(ReserveRequest request, ReservationPurpose purpose, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(purpose);
        try
        {
            return await clients.Budget.ReserveAsync(request, deadline: BudgetDeadline(), cancellationToken: cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
        {
            var remaining = long.TryParse(e.Trailers.GetValue(RoutingTrailers.RemainingMicros), NumberStyles.Integer, CultureInfo.InvariantCulture, out var r) ? r : 0;
            throw new StepFailure(StepFailureKind.BudgetExhausted,
                $"budget exhausted: {purpose.WorstCase} is {request.AmountMicros} µ$ and {remaining} µ$ remain ({e.Trailers.GetValue(RoutingTrailers.Refusal) ?? "limit"}); {purpose.WhenExhausted}",
                remainingMicros: remaining);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.NotFound or StatusCode.FailedPrecondition)
        {
            throw new StepFailure(StepFailureKind.TaskClosed, $"task_id '{request.TaskId}': its budget ledger is closed or expired ({e.Status.Detail})", "task_id");
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
        {
            throw new StepFailure(StepFailureKind.Invalid,
                $"{purpose.WorstCase} ({request.AmountMicros} µ$) is unacceptable to the budget service: {e.Status.Detail}", purpose.InvalidField);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            ExecutorMetrics.BudgetUnavailable.Inc();
            throw new StepFailure(StepFailureKind.BudgetUnavailable,
                $"the budget service did not grant the reservation for {purpose.WorstCase} ({e.StatusCode}: {e.Status.Detail}); nothing was spent, retry later");
        }
    }

    /// <summary>Commits with bounded retries; null when the budget service stayed unreachable (the commit is then parked).</summary>
    public async Task<CommitResponse?> CommitAsync(CommitRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // Not cancelled with the caller: money was spent and must reach the ledger.
                return await clients.Budget.CommitAsync(request, deadline: BudgetDeadline());
            }
            catch (RpcException e) when (attempt < _options.CommitAttempts && e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
            {
                ExecutorMetrics.BudgetUnavailable.Inc();
                await Task.Delay(TimeSpan.FromMilliseconds(100 << attempt));
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.FailedPrecondition or StatusCode.NotFound or StatusCode.InvalidArgument)
            {
                // A final answer (released, already committed with another amount, ledger gone): retrying cannot change it.
                logger.LogWarning("Commit of {Actual} µ$ for task {TaskId} reservation {Reservation} was refused ({Status}: {Detail})",
                    request.ActualMicros, request.TaskId, request.ReservationId, e.StatusCode, e.Status.Detail);
                return null;
            }
            catch (RpcException e)
            {
                ExecutorMetrics.BudgetUnavailable.Inc();
                logger.LogError("Commit of {Actual} µ$ for task {TaskId} reservation {Reservation} failed after {Attempts} attempts ({Status}: {Detail}); parked for the background retrier",
                    request.ActualMicros, request.TaskId, request.ReservationId, attempt, e.StatusCode, e.Status.Detail);
                try
                {
                    await parked.ParkAsync(request);
                }
                catch (StackExchange.Redis.RedisException redis)
                {
                    logger.LogCritical(redis, "Commit of {Actual} µ$ for task {TaskId} reservation {Reservation} could not be parked either; it is unledgered once the lease ends",
                        request.ActualMicros, request.TaskId, request.ReservationId);
                }
                return null;
            }
        }
    }

    /// <summary>Gives an unspent reservation back; null when the budget service could not be asked (its lease reclaims it).</summary>
    public async Task<ReleaseResponse?> ReleaseAsync(string tenant, string taskId, string reservationId)
    {
        try
        {
            return await clients.Budget.ReleaseAsync(new ReleaseRequest { Tenant = tenant, TaskId = taskId, ReservationId = reservationId }, deadline: BudgetDeadline());
        }
        catch (RpcException e)
        {
            // Nothing was spent; the lease gives the amount back when it ends.
            logger.LogWarning("Release of reservation {Reservation} failed ({Status}); its lease will reclaim it", reservationId, e.StatusCode);
            return null;
        }
    }

    private DateTime BudgetDeadline() => DateTime.UtcNow.AddMilliseconds(_options.BudgetTimeoutMilliseconds);
}
