using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Options;
using Routing.Executor.Options;
using Routing.Features;
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
}

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
    private static readonly RedisScript Finish = Load("finish_step");
    private static readonly RedisScript Complete = Load("complete");

    /// <summary>Value of a replay record while its step runs.</summary>
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

    public async Task<(BeginOutcome Outcome, TaskProgress? State)> BeginStepAsync(string tenant, string taskId, bool errorObserved, bool retried, bool lastStepFailed)
    {
        var reply = (RedisResult[])(await Begin.EvaluateAsync(_redis.GetDatabase(), [TaskKey(tenant, taskId)],
            [errorObserved ? 1 : 0, retried ? 1 : 0, lastStepFailed ? 1 : 0]))!;
        return (string)reply[0]! switch
        {
            "missing" => (BeginOutcome.Missing, null),
            "completed" => (BeginOutcome.Completed, TaskProgress.Parse(reply[1])),
            _ => (BeginOutcome.Begun, TaskProgress.Parse(reply[1])),
        };
    }

    public Task FinishStepAsync(string tenant, string taskId, PreviousAction action, long remainingMicros, int? largeCallsLeft) =>
        Finish.EvaluateAsync(_redis.GetDatabase(), [TaskKey(tenant, taskId)], [(int)action, remainingMicros, largeCallsLeft ?? -1]);

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
    /// Claims a step's idempotency key. Returns null when claimed (run the step), otherwise the stored answer of
    /// the first attempt, or <see cref="string.Empty"/> when that attempt is still running. The claim expires
    /// with the reservation's lease, so a crashed attempt does not block retries forever.
    /// </summary>
    public async Task<string?> ClaimStepAsync(string tenant, string taskId, string idempotencyKey, int leaseSeconds)
    {
        var db = _redis.GetDatabase();
        var key = StepKey(tenant, taskId, idempotencyKey);
        if (await db.StringSetAsync(key, InProgress, TimeSpan.FromSeconds(leaseSeconds), When.NotExists))
        {
            return null;
        }
        var stored = (string?)await db.StringGetAsync(key);
        return stored is null or InProgress ? "" : stored;
    }

    /// <summary>Stores the answer a retry with the same key replays; kept as long as the task.</summary>
    public Task StoreStepAsync(string tenant, string taskId, string idempotencyKey, string answer, int ttlSeconds) =>
        _redis.GetDatabase().StringSetAsync(StepKey(tenant, taskId, idempotencyKey), answer, TimeSpan.FromSeconds(ttlSeconds));

    /// <summary>Frees the key after a failed attempt, so that a retry runs the step again.</summary>
    public Task ReleaseStepAsync(string tenant, string taskId, string idempotencyKey) =>
        _redis.GetDatabase().KeyDeleteAsync(StepKey(tenant, taskId, idempotencyKey));

    internal RedisKey TaskKey(string tenant, string taskId) => $"{_prefix}task:{{{tenant}}}:{taskId}";

    private RedisKey StepKey(string tenant, string taskId, string idempotencyKey) => $"{_prefix}step:{{{tenant}}}:{taskId}:{idempotencyKey}";

    internal static RedisScript Load(string name)
    {
        var resource = $"Routing.Executor.Tasks.Scripts.{name}.lua";
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded script {resource} is missing");
        using var reader = new StreamReader(stream);
        return new RedisScript(name, reader.ReadToEnd());
    }
}
