using Routing.ServiceDefaults.Hosting;
using Xunit;

namespace Routing.Testing;

/// <summary>How a fault test gets a <see cref="RedisServerProcess"/>: skipped where the machine has no redis-server, failed in CI.</summary>
public static class RedisServerProcessSkipping
{
    /// <summary>Set in CI: a missing redis-server fails the test instead of skipping it.</summary>
    public const string RequireVariable = "ROUTING_REQUIRE_REDIS_SERVER";

    extension(RedisServerProcess)
    {
        /// <summary>Starts redis-server, or skips the test (fails it in CI) when the machine has none.</summary>
        public static RedisServerProcess StartOrSkip() => RedisServerProcess.Start(BinaryOrSkip());
    }

    /// <summary>The redis-server on PATH; skips the test (fails it in CI) when there is none.</summary>
    public static string BinaryOrSkip()
    {
        var binary = RedisServerProcess.FindBinary();
        if (binary is null)
        {
            var required = Environment.GetEnvironmentVariable(RequireVariable) == "1";
            Assert.False(required, $"{RequireVariable}=1 but redis-server is not on PATH");
            Skip.If(true, "redis-server is not installed (apt-get install redis-server); fault tests need a real server they can kill and restart");
        }
        return binary!;
    }
}
