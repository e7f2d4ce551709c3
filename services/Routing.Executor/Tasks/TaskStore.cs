using System.Globalization;
using System.Reflection;
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

    /// <summary>The idempotency key was claimed before: replay its stored answer, or wait while its attempt runs.</summary>
    Claimed,
}

/// <summary>What beginning a step found.</summary>
/// <param name="State">The task after the step was numbered (<see cref="BeginOutcome.Begun"/>), or as it is (<see cref="BeginOutcome.Completed"/>).</param>
/// <param name="StoredAnswer">With <see cref="BeginOutcome.Claimed"/>: the first attempt's answer, or <see cref="string.Empty"/> while it still runs.</param>
/// <param name="StoredFingerprint">With <see cref="BeginOutcome.Claimed"/>: the fingerprint of the request that claimed the key first; null when it had none.</param>
public readonly record struct StepBegin(BeginOutcome Outcome, TaskProgress? State, string? StoredAnswer, string? StoredFingerprint = null);

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

    /// <summary>Value of a claimed idempotency key while its step runs (begin_step.lua writes it).</summary>
    private const string InProgress = "in-progress";

    private readonly IConnectionMultiplexer _redis;
    private readonly string _prefix;

    public TaskStore(IConnectionMultiplexer redis, IOptions<ExecutorOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _redis = redis;
        _prefix = options.Value.KeyPrefix;
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
    /// Begins a step in one round trip. With an idempotency key, first claims it: a key claimed before answers
    /// <see cref="BeginOutcome.Claimed"/> and changes nothing; a missing or completed task claims nothing. The
    /// claim expires with the reservation's lease, so a crashed attempt does not block retries forever.
    /// </summary>
    public async Task<StepBegin> BeginStepAsync(
        string tenant, string taskId, bool errorObserved, int retries, bool lastStepFailed, string? idempotencyKey, int claimLeaseSeconds, string? fingerprint = null)
    {
        RedisKey[] keys = idempotencyKey is null ? [TaskKey(tenant, taskId)] : [TaskKey(tenant, taskId), StepKey(tenant, taskId, idempotencyKey)];
        var reply = (RedisResult[])(await Begin.EvaluateAsync(_redis.GetDatabase(), keys,
            [errorObserved ? 1 : 0, Math.Clamp(retries, 0, TaskProgress.MaxRetriesPerStep), lastStepFailed ? 1 : 0, claimLeaseSeconds * 1000L,
                WithFingerprint(fingerprint, InProgress)]))!;
        switch ((string)reply[0]!)
        {
            case "missing":
                return new StepBegin(BeginOutcome.Missing, null, null);
            case "completed":
                return new StepBegin(BeginOutcome.Completed, TaskProgress.Parse(reply[1]), null);
            case "claimed":
                var (storedFingerprint, stored) = SplitFingerprint((string?)reply[1]);
                return new StepBegin(BeginOutcome.Claimed, null, stored is null or InProgress ? "" : stored, storedFingerprint);
            default:
                return new StepBegin(BeginOutcome.Begun, TaskProgress.Parse(reply[1]), null);
        }
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

    /// <summary>
    /// The value an idempotency key holds, its claim or its answer, prefixed with the fingerprint of the request that
    /// claimed it (<c>&lt;hex&gt;:</c>), so that a reuse for another request can be told apart; neither a base64 answer
    /// nor the claim marker contains a colon.
    /// </summary>
    public static string WithFingerprint(string? fingerprint, string value) => fingerprint is null ? value : fingerprint + ":" + value;

    /// <summary>Undoes <see cref="WithFingerprint"/>; a value written without one has a null fingerprint.</summary>
    public static (string? Fingerprint, string? Value) SplitFingerprint(string? stored)
    {
        var colon = stored?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        return colon < 0 ? (null, stored) : (stored![..colon], stored[(colon + 1)..]);
    }

    /// <summary>Frees the key after a failed attempt, so that a retry runs the step again.</summary>
    public Task ReleaseStepAsync(string tenant, string taskId, string idempotencyKey) =>
        _redis.GetDatabase().KeyDeleteAsync(StepKey(tenant, taskId, idempotencyKey));

    internal RedisKey TaskKey(string tenant, string taskId) => $"{_prefix}task:{{{tenant}}}:{taskId}";

    internal RedisKey StepKey(string tenant, string taskId, string idempotencyKey) => $"{_prefix}step:{{{tenant}}}:{taskId}:{idempotencyKey}";

    internal static RedisScript Load(string name)
    {
        var resource = $"Routing.Executor.Tasks.Scripts.{name}.lua";
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded script {resource} is missing");
        using var reader = new StreamReader(stream);
        return new RedisScript(name, reader.ReadToEnd());
    }
}
