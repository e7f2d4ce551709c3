using Grpc.Core;
using Routing.Contracts.Memory.V1;
using Routing.Executor.Pipeline;
using Routing.Executor.Tasks;
using Routing.Sale.Memory;

namespace Routing.Executor.Auctions;

/// <summary>
/// Gives the memory service the outcome of a completed task's auction (<c>RecordOutcome</c>), which is what lets
/// the auction memory grow online. Called on every CompleteTask, the first and its retries: the record is
/// idempotent for the same outcome, so a retry after a memory outage records it exactly once.
/// </summary>
public sealed class AuctionOutcomeRecorder(IAuctionMemory memory, ILogger<AuctionOutcomeRecorder> logger)
{
    public async Task RecordAsync(string tenant, string taskId, TaskProgress state, bool success, double? score, long spentMicros, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        // Fallback auctions (no valid bid) and auctions whose record failed are not in memory: nothing to score,
        // and a memory outage must not block completing them.
        if (state.AuctionId is not { } auctionId || !state.AuctionRecorded)
        {
            return;
        }
        var request = new RecordOutcomeRequest
        {
            Tenant = tenant,
            AuctionId = auctionId,
            Success = success,
            Score = score ?? (success ? 1 : 0),
            ActualCostMicros = Math.Max(0, spentMicros),
        };
        try
        {
            await memory.RecordOutcomeAsync(request, cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            // Evicted from memory (the tenant's cap) since it was recorded.
            logger.LogInformation("Auction {AuctionId} of task {TaskId} is not in memory; its outcome is not recorded", auctionId, taskId);
        }
        catch (RpcException e) when (e.StatusCode is not (StatusCode.InvalidArgument or StatusCode.AlreadyExists))
        {
            throw new StepFailure(StepFailureKind.BackendUnavailable,
                $"task_id '{taskId}' is completed, but the memory service did not record its auction's outcome ({e.StatusCode}: {e.Status.Detail}); retry CompleteTask with the same outcome");
        }
    }
}
