using System.Globalization;
using System.Reflection;
using System.Text;
using Microsoft.Extensions.Options;
using Routing.Executor.Options;
using Routing.ServiceDefaults.Redis;
using StackExchange.Redis;

namespace Routing.Executor.Tasks;

public enum OpenOutcome
{
    Created,
    Existing,
    Conflict,
}

public enum BeginOutcome
{
    Missing,
    Completed,
    Begun,

    /// <summary>The key's attempt finished and its money is settled: replay <see cref="StepBegin.Answer"/>.</summary>
    Replay,

    /// <summary>The key's attempt is running and its owner heartbeats: the caller waits (409).</summary>
    Running,

    /// <summary>The backend answered the key's attempt but its money may be unsettled: commit <see cref="StepBegin.CostMicros"/> on <see cref="StepBegin.ReservationId"/>, then replay.</summary>
    Answered,

    /// <summary>The key's attempt's owner stopped heartbeating with a reservation out: settle it at <see cref="StepBegin.CostMicros"/> (its reserved amount), then begin again.</summary>
    Orphaned,

    /// <summary>The key was claimed first by a request with another body (<see cref="StepBegin.StoredFingerprint"/>): refused, nothing changed.</summary>
    Reused,
}

/// <summary>What beginning a step found.</summary>
/// <param name="State">The task after the step was numbered (<see cref="BeginOutcome.Begun"/>), or as it is (<see cref="BeginOutcome.Completed"/>).</param>
/// <param name="Attempt">The claim's attempt number (this one with <see cref="BeginOutcome.Begun"/>, the earlier one otherwise); 0 without a key.</param>
/// <param name="Answer">Base64 <c>StepResponse</c> with <see cref="BeginOutcome.Replay"/> and <see cref="BeginOutcome.Answered"/>.</param>
/// <param name="CostMicros">What to commit: the answered call's cost, or the orphaned reservation's amount.</param>
/// <param name="Episode">The attempt's episode-log line as written ahead (JSON), empty when none was.</param>
/// <param name="Owner">The executor instance that owned the earlier attempt.</param>
/// <param name="StoredFingerprint">With <see cref="BeginOutcome.Reused"/>: the fingerprint of the request that claimed the key first.</param>
public readonly record struct StepBegin(
    BeginOutcome Outcome, TaskProgress? State, long Attempt = 0, string Answer = "", string ReservationId = "", long CostMicros = 0, string Episode = "", string Owner = "",
    string? StoredFingerprint = null);

public enum CompleteOutcome
{
    Missing,
    Completed,
    Replayed,
    Conflict,
}

/// <summary>
/// Episode state per task (one hash, keyed by tenant and task id, so a tenant can only ever address its own
/// tasks) and the replay records that make a retried step return its first answer. Every change is one Lua
/// script, so concurrent steps of one task see consistent numbering.
/// </summary>
public sealed class TaskStore
{
    private static readonly RedisScript Open = Load("open");
    private static readonly RedisScript Begin = Load("begin_step");
    private static readonly RedisScript Complete = Load("complete");

    private readonly IConnectionMultiplexer _redis;
    private readonly string _prefix;
    private readonly long _recordTtlMs;

    public TaskStore(IConnectionMultiplexer redis, IOptions<ExecutorOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _redis = redis;
        _prefix = options.Value.KeyPrefix;
        _recordTtlMs = options.Value.TaskTtlSeconds * 1000L;
    }

    public async Task<(OpenOutcome Outcome, TaskProgress State)> OpenAsync(
        string tenant, string taskId, long limitMicros, int? largeCallCap, int horizon, string taskText, int ttlSeconds)
    {
        var reply = (RedisResult[])(await Open.EvaluateAsync(_redis.GetDatabase(), [TaskKey(tenant, taskId)],
            [limitMicros, largeCallCap ?? -1, horizon, taskText, ttlSeconds * 1000L]))!;
        var outcome = (string)reply[0]! switch
        {
            "created" => OpenOutcome.Created,
            "existing" => OpenOutcome.Existing,
            _ => OpenOutcome.Conflict,
        };
        return (outcome, TaskProgress.Parse(reply[1]));
    }

    public async Task<TaskProgress?> GetAsync(string tenant, string taskId)
    {
        var entries = await _redis.GetDatabase().HashGetAllAsync(TaskKey(tenant, taskId));
        if (entries.Length == 0)
        {
            return null;
        }
        var flat = new RedisValue[entries.Length * 2];
        for (var i = 0; i < entries.Length; i++)
        {
            flat[2 * i] = entries[i].Name;
            flat[2 * i + 1] = entries[i].Value;
        }
        return TaskProgress.Parse(RedisResult.Create(flat));
    }

    /// <summary>
    /// Begins a step in one round trip. With an idempotency key, first claims it (a write-ahead record, see
    /// begin_step.lua): a key claimed before answers what its attempt left and changes nothing; a missing task
    /// claims nothing, nor does a completed one. A claim whose owner stops heartbeating for
    /// <paramref name="heartbeatTtl"/> is first suspected (still running: Redis may just be back from an outage) and
    /// taken for dead when no beat came half a TTL later; it is taken over once its reservation is settled
    /// (<paramref name="settledOrphanAttempt"/>).
    /// </summary>
    public async Task<StepBegin> BeginStepAsync(
        string tenant, string taskId, bool errorObserved, int retries, bool lastStepFailed, string? idempotencyKey,
        string owner, TimeSpan heartbeatTtl, long? settledOrphanAttempt = null, string? fingerprint = null)
    {
        RedisKey[] keys = idempotencyKey is null ? [TaskKey(tenant, taskId)] : [TaskKey(tenant, taskId), StepKey(tenant, taskId, idempotencyKey)];
        var reply = (RedisResult[])(await Begin.EvaluateAsync(_redis.GetDatabase(), keys,
        [
            errorObserved ? 1 : 0, Math.Clamp(retries, 0, TaskProgress.MaxRetriesPerStep), lastStepFailed ? 1 : 0, owner,
            (long)heartbeatTtl.TotalMilliseconds, _recordTtlMs, settledOrphanAttempt?.ToString(CultureInfo.InvariantCulture) ?? "",
            fingerprint ?? "",
        ]))!;
        return (string)reply[0]! switch
        {
            "missing" => new StepBegin(BeginOutcome.Missing, null),
            "completed" => new StepBegin(BeginOutcome.Completed, TaskProgress.Parse(reply[1])),
            "done" => new StepBegin(BeginOutcome.Replay, null, Answer: (string)reply[1]!),
            "running" => new StepBegin(BeginOutcome.Running, null),
            "reused" => new StepBegin(BeginOutcome.Reused, null, StoredFingerprint: (string)reply[1]!),
            "answered" => new StepBegin(BeginOutcome.Answered, null, (long)reply[5], (string)reply[1]!, (string)reply[2]!, (long)reply[3], (string)reply[4]!, (string)reply[6]!),
            "orphaned" => new StepBegin(BeginOutcome.Orphaned, null, (long)reply[4], ReservationId: (string)reply[1]!, CostMicros: (long)reply[2], Episode: (string)reply[3]!),
            _ => new StepBegin(BeginOutcome.Begun, TaskProgress.Parse(reply[1]), (long)reply[2]),
        };
    }

    public async Task<(CompleteOutcome Outcome, TaskProgress? State)> CompleteAsync(string tenant, string taskId, bool success, double? score)
    {
        var reply = (RedisResult[])(await Complete.EvaluateAsync(_redis.GetDatabase(), [TaskKey(tenant, taskId)],
            [success ? 1 : 0, score?.ToString("R", CultureInfo.InvariantCulture) ?? ""]))!;
        return (string)reply[0]! switch
        {
            "missing" => (CompleteOutcome.Missing, null),
            "completed" => (CompleteOutcome.Completed, TaskProgress.Parse(reply[1])),
            "replayed" => (CompleteOutcome.Replayed, TaskProgress.Parse(reply[1])),
            _ => (CompleteOutcome.Conflict, TaskProgress.Parse(reply[1])),
        };
    }

    internal RedisKey TaskKey(string tenant, string taskId) => $"{_prefix}task:{{{tenant}}}:{taskId}";

    /// <summary>
    /// The step's claim record. The task id is length-prefixed (UTF-8 bytes), so no task id and key pair spells
    /// another's: task <c>A</c> with key <c>x:y</c> is <c>…:1:A:x:y</c>, task <c>A:x</c> with key <c>y</c> is <c>…:3:A:x:y</c>.
    /// </summary>
    internal RedisKey StepKey(string tenant, string taskId, string idempotencyKey) =>
        string.Create(CultureInfo.InvariantCulture, $"{_prefix}step:{{{tenant}}}:{Encoding.UTF8.GetByteCount(taskId)}:{taskId}:{idempotencyKey}");

    internal static RedisScript Load(string name)
    {
        var resource = $"Routing.Executor.Tasks.Scripts.{name}.lua";
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded script {resource} is missing");
        using var reader = new StreamReader(stream);
        return new RedisScript(name, reader.ReadToEnd());
    }
}
