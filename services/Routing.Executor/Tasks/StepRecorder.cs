using Microsoft.Extensions.Options;
using Routing.Executor.Episodes;
using Routing.Executor.Metrics;
using Routing.Executor.Options;
using Routing.Features;
using Routing.ServiceDefaults.Redis;
using StackExchange.Redis;

namespace Routing.Executor.Tasks;

/// <summary>What recording a step does to its idempotency key's claim record (record_step.lua).</summary>
public enum StepKeyMode
{
    /// <summary>No key, or leave the record as it is.</summary>
    None,

    /// <summary>Store the settled answer a retry replays.</summary>
    Store,

    /// <summary>A retry settled an answered attempt it does not own: store its answer, once.</summary>
    Recover,

    /// <summary>Free the key so that a retry runs the step again.</summary>
    Release,
}

/// <summary>The history a finished step leaves for the next step's features: its action and the ledger's answer.</summary>
public readonly record struct StepHistory(PreviousAction Action, long RemainingMicros, int? LargeCallsLeft);

/// <summary>
/// Writes what a settled step leaves behind: the task history and the idempotency key's fate (the answer a retry
/// replays, or the key freed after a failure) in one script (record_step.lua), then the episode-log line through
/// <see cref="EpisodeLog"/>, which may live on a Redis of its own. It runs after the money is settled, so a Redis
/// failure here is logged and counted, never failing a step that was paid and ledgered (the ledger is unaffected).
/// </summary>
public sealed class StepRecorder
{
    private static readonly RedisScript Record = TaskStore.Load("record_step");

    private readonly IConnectionMultiplexer _redis;
    private readonly TaskStore _tasks;
    private readonly EpisodeLog _episodes;
    private readonly ExecutorOptions _options;
    private readonly ILogger<StepRecorder> _logger;

    public StepRecorder(IConnectionMultiplexer redis, TaskStore tasks, EpisodeLog episodes, IOptions<ExecutorOptions> options, ILogger<StepRecorder> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _redis = redis;
        _tasks = tasks;
        _episodes = episodes;
        _options = options.Value;
        _logger = logger;
    }

    /// <param name="record">The episode-log line; its tenant and task name the keys.</param>
    /// <param name="history">Null when the ledger did not answer the commit (it was parked): the history then keeps the last known budget.</param>
    /// <param name="idempotencyKey">The step's key, if it has one.</param>
    /// <param name="claim">The attempt whose claim record <paramref name="mode"/> changes.</param>
    /// <param name="mode">What happens to the claim record.</param>
    /// <param name="answer">With <see cref="StepKeyMode.Store"/> or <see cref="StepKeyMode.Recover"/>: the answer to replay.</param>
    /// <returns>False when whoever settled the step first had already recorded it (nothing was written).</returns>
    public async Task<bool> RecordAsync(EpisodeRecord record, StepHistory? history, string? idempotencyKey, ClaimId claim, StepKeyMode mode, string? answer = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        var db = _redis.GetDatabase();
        var episodes = EpisodeLog.EpisodesKey(_options.KeyPrefix, record.Tenant);
        RedisKey[] keys = idempotencyKey is null
            ? [_tasks.TaskKey(record.Tenant, record.TaskId), episodes]
            : [_tasks.TaskKey(record.Tenant, record.TaskId), episodes, _tasks.StepKey(record.Tenant, record.TaskId, idempotencyKey)];
        RedisValue[] args =
        [
            history is null ? 0 : 1,
            (int)(history?.Action ?? PreviousAction.None),
            history?.RemainingMicros ?? -1,
            history?.LargeCallsLeft ?? -1,
            // The episode line goes to the bounded log (EpisodeLog, possibly on its own Redis), not through this script.
            "",
            _options.EpisodeLogMaxEntries,
            idempotencyKey is null ? "none" : mode.ToString().ToLowerInvariant(),
            answer ?? "",
            _options.TaskTtlSeconds * 1000L,
            claim.Owner ?? "",
            claim.Attempt,
        ];
        try
        {
            var length = (long)await Record.EvaluateAsync(db, keys, args);
            if (length < 0)
            {
                return false;
            }
        }
        catch (RedisException e)
        {
            ExecutorMetrics.EpisodeLogErrors.Inc();
            _logger.LogWarning(e, "Step {Step} of task {TaskId} was not recorded (task history, idempotency key)", record.Step, record.TaskId);
        }
        await _episodes.AppendAsync(record);
        return true;
    }
}
