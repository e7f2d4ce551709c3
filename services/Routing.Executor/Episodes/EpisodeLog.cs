using System.Text.Json;
using Microsoft.Extensions.Options;
using Routing.Executor.Metrics;
using Routing.Executor.Options;
using StackExchange.Redis;

namespace Routing.Executor.Episodes;

/// <summary>
/// The episode log on Redis: one list per tenant (RPUSH, then LTRIM to the newest
/// <see cref="ExecutorOptions.EpisodeLogMaxEntries"/>, the equivalent of <c>XADD … MAXLEN</c>), plus a set naming
/// the tenants that have one. Not a Redis stream: the embedded Garnet server that <c>routing up</c> and the
/// tests run lacks the stream commands, and a list gives the exporter the same ordered, bounded, append-only
/// log on both Garnet and redis-server.
/// </summary>
public sealed class EpisodeLog
{
    private readonly IConnectionMultiplexer _redis;
    private readonly string _prefix;
    private readonly long _maxEntries;
    private readonly ILogger<EpisodeLog> _logger;

    public EpisodeLog(IConnectionMultiplexer redis, IOptions<ExecutorOptions> options, ILogger<EpisodeLog> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _redis = redis;
        _prefix = options.Value.KeyPrefix;
        _maxEntries = options.Value.EpisodeLogMaxEntries;
        _logger = logger;
    }

    /// <summary>Appends a record. A failure is logged and counted, never failing the step it describes.</summary>
    public async Task AppendAsync(EpisodeRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        try
        {
            var db = _redis.GetDatabase();
            var key = EpisodesKey(_prefix, record.Tenant);
            var length = await db.ListRightPushAsync(key, JsonSerializer.SerializeToUtf8Bytes(record, EpisodeJsonContext.Default.EpisodeRecord));
            if (length > _maxEntries)
            {
                _ = db.ListTrimAsync(key, -_maxEntries, -1, CommandFlags.FireAndForget);
            }
            NoteTenant(db, _prefix, record.Tenant, length);
        }
        catch (RedisException e)
        {
            ExecutorMetrics.EpisodeLogErrors.Inc();
            _logger.LogWarning(e, "Episode log write failed for task {TaskId}", record.TaskId);
        }
    }

    /// <summary>After an append: the first line of a tenant's log names the tenant in the set the exporter reads.</summary>
    public static void NoteTenant(IDatabaseAsync database, string prefix, string tenant, long length)
    {
        ArgumentNullException.ThrowIfNull(database);
        if (length == 1)
        {
            _ = database.SetAddAsync(TenantsKey(prefix), tenant, CommandFlags.FireAndForget);
        }
    }

    public static RedisKey EpisodesKey(string prefix, string tenant) => $"{prefix}episodes:{{{tenant}}}";

    public static RedisKey TenantsKey(string prefix) => $"{prefix}episode-tenants";
}
