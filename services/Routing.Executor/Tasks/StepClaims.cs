using System.Globalization;
using Microsoft.Extensions.Options;
using Routing.Executor.Options;
using Routing.ServiceDefaults.Redis;
using StackExchange.Redis;

namespace Routing.Executor.Tasks;

/// <summary>Which attempt of a claimed key a write belongs to: the claim record changes only for its own attempt.</summary>
public readonly record struct ClaimId(string Owner, long Attempt);

/// <summary>This executor process, as the owner of the step claims it holds.</summary>
public sealed class ExecutorInstance
{
    public string Id { get; } = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}");
}

/// <summary>
/// The write-ahead side of an idempotency key's claim (begin_step.lua holds the layout): the owner's heartbeat,
/// the attempt's reservation before its backend call, the answer before its money is settled, and freeing the key
/// after a failure. Every write is conditional on the record still being this attempt's.
/// </summary>
public sealed class StepClaims(IConnectionMultiplexer redis, TaskStore tasks, ExecutorInstance instance, IOptions<ExecutorOptions> options, ILogger<StepClaims> logger)
{
    private static readonly RedisScript Beat = TaskStore.Load("beat_step");
    private static readonly RedisScript Answer = TaskStore.Load("answer_step");
    private static readonly RedisScript Release = TaskStore.Load("release_step");

    public string Owner => instance.Id;

    public TimeSpan HeartbeatTtl { get; } = TimeSpan.FromMilliseconds(options.Value.StepHeartbeatTtlMilliseconds);

    /// <summary>Starts heartbeating the attempt this executor just claimed; the heartbeat stops when the claim is disposed.</summary>
    public StepClaim Start(string tenant, string taskId, string idempotencyKey, long attempt) =>
        new(this, tasks.StepKey(tenant, taskId, idempotencyKey), new ClaimId(Owner, attempt),
            HeartbeatTtl / 3, TimeSpan.FromSeconds(options.Value.LeaseSeconds));

    internal async Task<bool> BeatAsync(RedisKey key, ClaimId id, params RedisValue[] reservation) =>
        (long)await Beat.EvaluateAsync(redis.GetDatabase(), [key], [id.Owner, id.Attempt, .. reservation]) == 1;

    internal async Task<bool> AnswerAsync(RedisKey key, ClaimId id, string answer, long costMicros, byte[] episode) =>
        (long)await Answer.EvaluateAsync(redis.GetDatabase(), [key], [id.Owner, id.Attempt, answer, costMicros, episode]) == 1;

    internal async Task ReleaseAsync(RedisKey key, ClaimId id) =>
        await Release.EvaluateAsync(redis.GetDatabase(), [key], [id.Owner, id.Attempt]);

    internal void LogBeatFailure(Exception e, ClaimId id) =>
        logger.LogWarning(e, "Heartbeat of step claim attempt {Attempt} failed; retrying", id.Attempt);
}

/// <summary>One attempt's claim while its step runs: heartbeats in the background until disposed.</summary>
public sealed class StepClaim : IAsyncDisposable
{
    private readonly StepClaims _claims;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _heartbeat;

    internal StepClaim(StepClaims claims, RedisKey key, ClaimId id, TimeSpan interval, TimeSpan longest)
    {
        _claims = claims;
        Key = key;
        Id = id;
        // Never longer than the reservation's lease: a step past it has lost its money's cover anyway.
        _stop.CancelAfter(longest);
        _heartbeat = HeartbeatAsync(interval);
    }

    public RedisKey Key { get; }

    public ClaimId Id { get; }

    /// <summary>Cancelled when the claim outlives the reservation's lease (or is disposed).</summary>
    public CancellationToken Lease => _stop.Token;

    /// <summary>Set once a heartbeat found the record taken over by another attempt (this owner was taken for dead).</summary>
    public bool Lost { get; private set; }

    /// <summary>Write-ahead: the reservation (and the episode line that settles it) recorded before the backend is called.</summary>
    public async Task<bool> RecordReservationAsync(string reservationId, long reservedMicros, byte[] episode)
    {
        var mine = await _claims.BeatAsync(Key, Id, reservationId, reservedMicros, episode);
        Lost |= !mine;
        return mine;
    }

    /// <summary>The answer recorded before its money is settled; false when the claim was taken over.</summary>
    public async Task<bool> RecordAnswerAsync(string answer, long costMicros, byte[] episode)
    {
        var mine = await _claims.AnswerAsync(Key, Id, answer, costMicros, episode);
        Lost |= !mine;
        return mine;
    }

    /// <summary>Frees the key for a retry (only while it is still this attempt's).</summary>
    public Task ReleaseAsync() => _claims.ReleaseAsync(Key, Id);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _heartbeat;
        _stop.Dispose();
    }

    private async Task HeartbeatAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                try
                {
                    if (!await _claims.BeatAsync(Key, Id))
                    {
                        // Answered (nothing left to keep alive), released, or taken over.
                        return;
                    }
                }
                catch (RedisException e)
                {
                    _claims.LogBeatFailure(e, Id);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed, or past the lease.
        }
    }
}
