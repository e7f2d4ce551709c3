using System.Globalization;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using Routing.Contracts.Executor.V1;
using Routing.Executor.Options;
using Routing.Executor.Tasks;
using Routing.Features;
using Routing.ServiceDefaults.Redis;
using StackExchange.Redis;

namespace Routing.Executor.Auctions;

/// <summary>
/// A task's one auction in Redis: a claim while it runs (so two concurrent calls cannot both spend), then the
/// whole answer for replays and the summary the step features read, written into the task's hash.
/// </summary>
public sealed class TaskAuctionStore
{
    private static readonly RedisScript Record = TaskStore.Load("record_auction");
    private const string InProgress = "in-progress";

    private readonly IConnectionMultiplexer _redis;
    private readonly TaskStore _tasks;
    private readonly string _prefix;

    public TaskAuctionStore(IConnectionMultiplexer redis, TaskStore tasks, IOptions<ExecutorOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _redis = redis;
        _tasks = tasks;
        _prefix = options.Value.KeyPrefix;
    }

    /// <summary>Null when claimed (run the auction); the stored answer when it ran; an empty answer while it runs elsewhere.</summary>
    public async Task<AuctionResponse?> ClaimAsync(string tenant, string taskId, int leaseSeconds)
    {
        var db = _redis.GetDatabase();
        var key = AuctionKey(tenant, taskId);
        if (await db.StringSetAsync(key, InProgress, TimeSpan.FromSeconds(leaseSeconds), When.NotExists))
        {
            return null;
        }
        return await GetAsync(tenant, taskId) ?? new AuctionResponse();
    }

    /// <summary>The task's finished auction; null when none ran (or it is still running).</summary>
    public async Task<AuctionResponse?> GetAsync(string tenant, string taskId)
    {
        var stored = (string?)await _redis.GetDatabase().StringGetAsync(AuctionKey(tenant, taskId));
        return stored is null or InProgress ? null : AuctionResponse.Parser.ParseFrom(Convert.FromBase64String(stored));
    }

    /// <summary>Frees the claim after a failed auction, so that a retry runs it.</summary>
    public Task ReleaseAsync(string tenant, string taskId) => _redis.GetDatabase().KeyDeleteAsync(AuctionKey(tenant, taskId));

    /// <summary>Stores the answer and the features' summary; false when the task's state has expired meanwhile.</summary>
    public async Task<bool> StoreAsync(string tenant, string taskId, AuctionResponse answer, AuctionOutcome summary)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var remaining = answer.Budget is { } budget && answer.Budget.RemainingMicros >= 0 ? budget.RemainingMicros : -1;
        var reply = await Record.EvaluateAsync(_redis.GetDatabase(), [_tasks.TaskKey(tenant, taskId), AuctionKey(tenant, taskId)],
        [
            answer.AuctionId,
            answer.Winner,
            summary.WinnerRank,
            summary.PoolSize,
            summary.Margin.ToString("R", CultureInfo.InvariantCulture),
            remaining,
            Convert.ToBase64String(answer.ToByteArray()),
            answer.Recorded ? 1 : 0,
        ]);
        return (int)reply == 1;
    }

    private RedisKey AuctionKey(string tenant, string taskId) => $"{_prefix}auction:{{{tenant}}}:{taskId}";
}
