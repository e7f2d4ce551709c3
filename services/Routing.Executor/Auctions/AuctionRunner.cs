using Microsoft.Extensions.Options;
using Routing.Backends;
using Routing.Backends.Tracing;
using Routing.Contracts.Budget.V1;
using Routing.Contracts.Common.V1;
using Routing.Contracts.Executor.V1;
using Routing.Executor.Options;
using Routing.Executor.Pipeline;
using Routing.Executor.Tasks;
using Routing.Sale.Auction;
using Routing.Sale.Prompts;
using SaleAuctionRequest = Routing.Sale.Auction.AuctionRequest;
using WireAuctionRequest = Routing.Contracts.Executor.V1.AuctionRequest;

namespace Routing.Executor.Auctions;

/// <summary>
/// The <c>Auction</c> RPC: the caller's open task → claim the task's one auction → reserve its worst case on the
/// task's ledger → run <see cref="AuctionEngine"/> over the current pool, each call metered against the
/// reservation → commit what the calls cost (release when nothing was) → store the answer and the features'
/// summary with the task. Money is never spent without the reservation: if the budget service cannot be asked,
/// no agent is called.
/// </summary>
public sealed class AuctionRunner(
    IAgentPool pool,
    TaskStore tasks,
    TaskAuctionStore auctions,
    AuctionEngine engine,
    AuctionPrompts prompts,
    BudgetSettlement settlement,
    IOptions<ExecutorOptions> options,
    IOptions<ExecutorSaleOptions> saleOptions,
    ILogger<AuctionRunner> logger)
{
    private const int MaxTaskTextLength = 65_536;

    private readonly ExecutorOptions _options = options.Value;
    private readonly ExecutorSaleOptions _sale = saleOptions.Value;

    public async Task<AuctionResponse> RunAsync(string tenant, WireAuctionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        TaskOperations.ValidateTaskId(request.TaskId);
        if (request.TaskText.Length > MaxTaskTextLength)
        {
            throw StepFailure.Invalid("task_text", $"must be at most {MaxTaskTextLength} characters (got {request.TaskText.Length})");
        }
        if (request.Domain.Length > 64 || request.Domain.Any(char.IsControl))
        {
            throw StepFailure.Invalid("domain", "must be at most 64 characters without control characters");
        }
        var state = await tasks.GetAsync(tenant, request.TaskId) ?? throw StepFailure.NotYourTask(request.TaskId);
        if (state.Completed)
        {
            throw new StepFailure(StepFailureKind.TaskClosed, $"task_id '{request.TaskId}' is completed; its owner can no longer change", "task_id");
        }
        var taskText = request.TaskText.Length > 0 ? request.TaskText : state.TaskText;
        if (string.IsNullOrWhiteSpace(taskText))
        {
            throw StepFailure.Invalid("task_text", "is required: the task was opened without task_text, so the agents have nothing to bid on");
        }
        var snapshot = pool.Current;
        if (snapshot.Agents.Count == 0)
        {
            throw new StepFailure(StepFailureKind.BackendUnavailable, $"the agent pool (version {snapshot.Version}) has no agents");
        }

        var stored = await auctions.ClaimAsync(tenant, request.TaskId, _options.LeaseSeconds);
        if (stored is not null)
        {
            if (stored.AuctionId.Length == 0)
            {
                throw new StepFailure(StepFailureKind.InProgress, $"the auction of task '{request.TaskId}' is still running; retry later for its answer", "task_id");
            }
            stored.Replayed = true;
            return stored;
        }
        try
        {
            return await RunClaimedAsync(tenant, request, taskText, snapshot, cancellationToken);
        }
        catch
        {
            await auctions.ReleaseAsync(tenant, request.TaskId);
            throw;
        }
    }

    /// <summary>The task's finished auction, as stored; null when it has none.</summary>
    public Task<AuctionResponse?> StoredAsync(string tenant, string taskId) => auctions.GetAsync(tenant, taskId);

    private async Task<AuctionResponse> RunClaimedAsync(
        string tenant, WireAuctionRequest request, string taskText, AgentPoolSnapshot snapshot, CancellationToken cancellationToken)
    {
        var agents = snapshot.Agents;
        var worstCase = AuctionCostBound.WorstCase(agents, prompts, taskText, request.Domain, _sale, _sale.Refinement);
        var reservation = await ReserveAsync(tenant, request.TaskId, worstCase, cancellationToken);
        var envelope = new AuctionEnvelope(reservation.AmountMicros);
        AuctionResult result;
        try
        {
            result = await engine.RunAsync(new SaleAuctionRequest
            {
                Tenant = tenant,
                AuctionId = request.TaskId,
                TaskId = request.TaskId,
                TaskText = taskText,
                Domain = request.Domain,
                Agents = [.. agents.Select(a => new AuctionAgent(a, new LedgeredAuctionBackend(a, new TracedChatBackend(a, pool.BackendFor(a)), envelope)))],
            }, cancellationToken);
        }
        catch (Exception e)
        {
            // Whatever the calls made so far may have cost is still owed.
            logger.LogWarning(e, "Auction of task {TaskId} failed after {Charged} µ$ of calls", request.TaskId, envelope.ChargedMicros);
            await SettleAsync(tenant, request.TaskId, reservation.ReservationId, envelope.ChargedMicros);
            throw;
        }

        var budget = await SettleAsync(tenant, request.TaskId, reservation.ReservationId, envelope.ChargedMicros);
        var response = AuctionResponseMapping.ToResponse(request.TaskId, result);
        response.ReservedMicros = reservation.AmountMicros;
        response.ChargedMicros = envelope.ChargedMicros;
        response.Budget = budget ?? new BudgetState { RemainingMicros = -1 };
        if (!await auctions.StoreAsync(tenant, request.TaskId, response, AuctionSummary.Of(result, agents)))
        {
            response.Notes.Add("the task's state expired during the auction; the step router will not see it");
        }
        return response;
    }

    private Task<ReserveResponse> ReserveAsync(string tenant, string taskId, long amount, CancellationToken cancellationToken) =>
        settlement.ReserveAsync(new ReserveRequest
        {
            Tenant = tenant,
            TaskId = taskId,
            AmountMicros = amount,
            IdempotencyKey = $"auction:{Guid.NewGuid():N}",
            LeaseSeconds = _options.LeaseSeconds,
            // The auction is not a large-model step: it must not use up the task's large-call cap.
            Tier = ModelTier.Small,
            // Its calls go out right after the grant: if this executor dies mid-auction, the lease's end commits the
            // reservation (they may have been billed) rather than giving it back.
            CommitOnExpiry = true,
        }, new ReservationPurpose(
            $"the auction's worst case ({pool.Current.Agents.Count} agents' bids, jury and refinement)",
            "nothing was spent",
            // The bound grows with the task text the prompts quote.
            "task_text"), cancellationToken);

    /// <summary>Commits what the calls cost, or releases when nothing can have been; a commit that keeps failing is parked.</summary>
    private async Task<BudgetState?> SettleAsync(string tenant, string taskId, string reservationId, long chargedMicros) =>
        chargedMicros == 0
            ? (await settlement.ReleaseAsync(tenant, taskId, reservationId))?.Budget
            : (await settlement.CommitAsync(new CommitRequest { Tenant = tenant, TaskId = taskId, ReservationId = reservationId, ActualMicros = chargedMicros }))?.Budget;
}
