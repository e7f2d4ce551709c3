using System.Text.Json;
using Microsoft.Extensions.Options;
using Routing.Executor.Metrics;
using Routing.Executor.Options;
using Routing.ServiceDefaults.Redis;
using StackExchange.Redis;

namespace Routing.Executor.Episodes;

/// <summary>
/// The episode log on Redis: one list per tenant, trimmed on every append to the tenant's bounds in bytes
/// (<see cref="EpisodeLogOptions.MaxBytesPerTenant"/>), lines (<see cref="ExecutorOptions.EpisodeLogMaxEntries"/>)
/// and age (<see cref="EpisodeLogOptions.MaxAgeHours"/>) by append_episode.lua, plus a set naming the tenants
/// that have one. It lives on <see cref="EpisodeLogRedis"/>: the main Redis, or one of its own.
/// <para>
/// Not a Redis stream: the embedded Garnet server that <c>routing up</c> and the tests run lacks the stream
/// commands, and a list gives the exporter the same ordered, bounded, append-only log on both servers.
/// </para>
/// </summary>
public sealed class EpisodeLog
{
    private static readonly RedisScript Append = LoadScript("append_episode");

    private readonly IConnectionMultiplexer _redis;
    private readonly string _prefix;
    private readonly long _maxEntries;
    private readonly long _maxBytes;
    private readonly long _maxAgeMs;
    private readonly TimeProvider _time;
    private readonly ILogger<EpisodeLog> _logger;

    public EpisodeLog(
        EpisodeLogRedis redis, IOptions<ExecutorOptions> options, IOptions<EpisodeLogOptions> logOptions, TimeProvider time, ILogger<EpisodeLog> logger)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logOptions);
        _redis = redis.Connection;
        _prefix = options.Value.KeyPrefix;
        _maxEntries = options.Value.EpisodeLogMaxEntries;
        _maxBytes = logOptions.Value.MaxBytesPerTenant;
        _maxAgeMs = logOptions.Value.MaxAgeHours * 3_600_000L;
        _time = time;
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
            var reply = (RedisResult[])(await Append.EvaluateAsync(db,
                [key, key.Append(":index"), key.Append(":bytes")],
                [JsonSerializer.SerializeToUtf8Bytes(record, EpisodeJsonContext.Default.EpisodeRecord), _time.GetUtcNow().ToUnixTimeMilliseconds(),
                 _maxBytes, _maxEntries, _maxAgeMs]))!;
            NoteTenant(db, _prefix, record.Tenant, (long)reply[0]);
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

    private static RedisScript LoadScript(string name)
    {
        var resource = $"Routing.Executor.Episodes.Scripts.{name}.lua";
        using var stream = typeof(EpisodeLog).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded script {resource} is missing");
        using var reader = new StreamReader(stream);
        return new RedisScript(name, reader.ReadToEnd());
    }
}
