using Routing.ServiceDefaults.Hosting;
using Xunit;

namespace Routing.Testing;

/// <summary>How a fault test gets a <see cref="RedisServerProcess"/>: skipped where the machine has no redis-server, failed in CI.</summary>
public static class RedisServerProcessSkipping
{
    /// <summary>Set in CI: a missing redis-server fails the test instead of skipping it.</summary>
    public const string RequireVariable = "ROUTING_REQUIRE_REDIS_SERVER";

    private const string FaultTestsWhy = "fault tests need a real server they can kill and restart";

    extension(RedisServerProcess)
    {
        /// <summary>Starts redis-server, or skips the test (fails it in CI) when the machine has none.</summary>
        public static RedisServerProcess StartOrSkip() => StartOrSkip(FaultTestsWhy, []);

        /// <summary>Starts redis-server with extra settings (a cluster node's), or skips the test (fails it in CI) without one.</summary>
        public static RedisServerProcess StartOrSkip(string why, string[] extraArguments) =>
            RedisServerProcess.Start(BinaryOrSkip("redis-server", why), extraArguments: extraArguments);
    }

    /// <summary>A Redis binary (redis-server, redis-cli) on PATH; skips the test (fails it in CI) when there is none.</summary>
    public static string BinaryOrSkip(string name = "redis-server", string why = FaultTestsWhy)
    {
        var binary = RedisServerProcess.FindBinary(name);
        if (binary is null)
        {
            var required = Environment.GetEnvironmentVariable(RequireVariable) == "1";
            Assert.False(required, $"{RequireVariable}=1 but {name} is not on PATH");
            Skip.If(true, $"{name} is not installed (apt-get install redis-server); {why}");
        }
        return binary!;
    }
}
