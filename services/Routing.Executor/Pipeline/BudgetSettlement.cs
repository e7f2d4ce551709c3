using Grpc.Core;
using Microsoft.Extensions.Options;
using Routing.Contracts.Budget.V1;
using Routing.Executor.Metrics;
using Routing.Executor.Options;

namespace Routing.Executor.Pipeline;

/// <summary>
/// Settles a reservation once the money it guarded was (or was not) spent: commit the actual amount with bounded
/// retries and park it for the background retrier when the budget service stays away, or release it. Shared by
/// steps and auctions so both follow one rule: money that was spent always reaches the ledger.
/// </summary>
public sealed class BudgetSettlement(ServiceClients clients, ParkedCommits parked, IOptions<ExecutorOptions> options, ILogger<BudgetSettlement> logger)
{
    private readonly ExecutorOptions _options = options.Value;

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
