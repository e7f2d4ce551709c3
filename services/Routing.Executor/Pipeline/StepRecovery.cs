using System.Text.Json;
using Google.Protobuf;
using Routing.Contracts.Budget.V1;
using Routing.Contracts.Common.V1;
using Routing.Contracts.Executor.V1;
using Routing.Executor.Episodes;
using Routing.Executor.Tasks;
using Routing.Features;

namespace Routing.Executor.Pipeline;

/// <summary>
/// What a retry does with an attempt that a crash interrupted (begin_step.lua's claim record says which):
/// an answered attempt's cost is committed and its answer returned, with no second model call; an orphaned
/// attempt's reservation is committed at its reserved amount as an unknown outcome (the call may have been billed)
/// before the retry runs the step. Both commits are idempotent by reservation id, so racing retries settle once.
/// </summary>
public sealed class StepRecovery(BudgetSettlement settlement, StepRecorder recorder, ILogger<StepRecovery> logger)
{
    /// <summary>The history a settled step leaves for the next step's features; null when the ledger did not answer the commit.</summary>
    public static StepHistory? HistoryOf(StepResponse response, CommitResponse? commit)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (commit is null)
        {
            return null;
        }
        var action = response.Decision.Tier == ModelTier.Large ? PreviousAction.Large : PreviousAction.Small;
        return new StepHistory(action, commit.Budget.RemainingMicros, commit.Budget.HasLargeCallsLeft ? commit.Budget.LargeCallsLeft : null);
    }

    /// <summary>Commits an answered attempt's recorded cost, records the step once and returns its answer as a replay.</summary>
    public async Task<StepResponse> SettleAnsweredAsync(string tenant, string taskId, string idempotencyKey, StepBegin begin)
    {
        var response = StepResponse.Parser.ParseFrom(Convert.FromBase64String(begin.Answer));
        var commit = await settlement.CommitAsync(new CommitRequest { Tenant = tenant, TaskId = taskId, ReservationId = begin.ReservationId, ActualMicros = begin.CostMicros });
        if (commit is not null)
        {
            response.Budget = commit.Budget;
        }
        if (Episode(begin) is { } record)
        {
            var settled = commit is null ? record : record with { RemainingMicros = commit.Budget.RemainingMicros };
            await recorder.RecordAsync(settled, HistoryOf(response, commit), idempotencyKey, new ClaimId(begin.Owner, begin.Attempt), StepKeyMode.Recover,
                Convert.ToBase64String(response.ToByteArray()));
        }
        logger.LogInformation("Settled answered step {Step} of task {TaskId} left by a crashed attempt ({Cost} µ$ on {Reservation})",
            response.StepIndex, taskId, begin.CostMicros, begin.ReservationId);
        response.Replayed = true;
        return response;
    }

    /// <summary>Commits an orphaned attempt's reservation at its reserved amount as an unknown outcome and logs it so.</summary>
    public async Task SettleOrphanAsync(string tenant, string taskId, StepBegin begin)
    {
        var commit = await settlement.CommitAsync(new CommitRequest
        {
            Tenant = tenant,
            TaskId = taskId,
            ReservationId = begin.ReservationId,
            ActualMicros = begin.CostMicros,
            UnknownOutcome = true,
        });
        logger.LogWarning("Attempt {Attempt} of a keyed step of task {TaskId} lost its executor mid-call; its reservation {Reservation} was committed at {Amount} µ$ (unknown outcome)",
            begin.Attempt, taskId, begin.ReservationId, begin.CostMicros);
        // A racing retry that settled it first logged it (its commit was the first, this one a replay).
        if (commit is { Replayed: true } || Episode(begin) is not { } record)
        {
            return;
        }
        await recorder.RecordAsync(
            record with { TimestampMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), RemainingMicros = commit?.Budget.RemainingMicros },
            null, null, default, StepKeyMode.None);
    }

    private static EpisodeRecord? Episode(StepBegin begin) =>
        begin.Episode.Length == 0 ? null : JsonSerializer.Deserialize(begin.Episode, EpisodeJsonContext.Default.EpisodeRecord);
}
