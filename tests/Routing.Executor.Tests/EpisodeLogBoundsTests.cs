using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Routing.EmbeddedRedis;
using Routing.Executor.Episodes;
using Routing.Executor.Options;
using Routing.ServiceDefaults.Redis;
using Routing.Testing;
using StackExchange.Redis;
using Xunit;

namespace Routing.Executor.Tests;

/// <summary>The episode log cannot take money down: bounded per tenant in bytes and age, and able to live on a Redis of its own.</summary>
public sealed class EpisodeLogBoundsTests
{
    [Fact]
    public async Task ATenantsLogStaysWithinItsByteBoundAndKeepsTheNewestLines()
    {
        using var redis = await ConnectionMultiplexer.ConnectAsync(TestRedis.ConnectionString);
        var prefix = TestRedis.UniquePrefix();
        var time = new ManualTime(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000));
        var log = Create(redis, prefix, time, maxBytes: 64 * 1024, maxAgeHours: 24);

        for (var step = 0; step < 400; step++)
        {
            await log.AppendAsync(Record("busy", step, time));
        }
        var lines = await redis.GetDatabase().ListRangeAsync(EpisodeLog.EpisodesKey(prefix, "busy"));
        var bytes = lines.Sum(l => ((byte[])l!).Length);

        Assert.InRange(bytes, 1, 64 * 1024);
        Assert.True(lines.Length < 400, $"{lines.Length} lines kept");
        Assert.Contains("\"step\":399", System.Text.Encoding.UTF8.GetString((byte[])lines[^1]!), StringComparison.Ordinal);
        Assert.Equal(bytes, (long)await redis.GetDatabase().StringGetAsync(EpisodeLog.EpisodesKey(prefix, "busy").Append(":bytes")));
    }

    [Fact]
    public async Task LinesOlderThanTheAgeBoundAreTrimmedAndTheLogExpires()
    {
        using var redis = await ConnectionMultiplexer.ConnectAsync(TestRedis.ConnectionString);
        var prefix = TestRedis.UniquePrefix();
        var time = new ManualTime(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000));
        var log = Create(redis, prefix, time, maxBytes: 64L * 1024 * 1024, maxAgeHours: 1);
        var key = EpisodeLog.EpisodesKey(prefix, "old");

        await log.AppendAsync(Record("old", 0, time));
        await log.AppendAsync(Record("old", 1, time));
        time.Now += TimeSpan.FromMinutes(61);
        await log.AppendAsync(Record("old", 2, time));
        var lines = await redis.GetDatabase().ListRangeAsync(key);
        var ttl = await redis.GetDatabase().KeyTimeToLiveAsync(key);

        Assert.Single(lines);
        Assert.Contains("\"step\":2", System.Text.Encoding.UTF8.GetString((byte[])lines[0]!), StringComparison.Ordinal);
        Assert.NotNull(ttl);
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(59), TimeSpan.FromHours(1));
    }

    [Fact]
    public async Task ALogOnItsOwnRedisLeavesTheMainRedisUntouched()
    {
        using var logStore = EmbeddedRedisServer.Start();
        await using var stack = await ExecutorStack.StartAsync(withPolicy: false, settings: new Dictionary<string, string?>
        {
            ["Routing:EpisodeLog:ConnectionString"] = logStore.ConnectionString,
        });
        var taskId = ExecutorStack.NewTaskId();
        await stack.OpenAsync(taskId, 1_000_000);

        await stack.Client.StepAsync(ExecutorStack.Step(taskId), ExecutorStack.Acme);
        using var main = await ConnectionMultiplexer.ConnectAsync(TestRedis.ConnectionString);
        using var logs = await ConnectionMultiplexer.ConnectAsync(logStore.ConnectionString);
        var key = EpisodeLog.EpisodesKey(stack.KeyPrefix, "acme");

        Assert.True(stack.Services.GetRequiredService<EpisodeLogRedis>().IsSeparate);
        Assert.Equal(0, await main.GetDatabase().ListLengthAsync(key));
        Assert.True(await logs.GetDatabase().ListLengthAsync(key) >= 1);
    }

    private static EpisodeLog Create(IConnectionMultiplexer redis, string prefix, TimeProvider time, long maxBytes, int maxAgeHours)
    {
        var executor = Microsoft.Extensions.Options.Options.Create(new ExecutorOptions { KeyPrefix = prefix });
        var logOptions = Microsoft.Extensions.Options.Options.Create(new EpisodeLogOptions { MaxBytesPerTenant = maxBytes, MaxAgeHours = maxAgeHours });
        var connection = new EpisodeLogRedis(redis, logOptions, Microsoft.Extensions.Options.Options.Create(new RedisOptions { ConnectionString = "unused" }));
        return new EpisodeLog(connection, executor, logOptions, time, NullLogger<EpisodeLog>.Instance);
    }

    private static EpisodeRecord Record(string tenant, int step, TimeProvider time) => new()
    {
        Kind = EpisodeRecord.StepKind,
        Tenant = tenant,
        TaskId = "t",
        TimestampMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
        Step = step,
        Features = new float[200],
    };

    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
