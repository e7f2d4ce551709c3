using Routing.EmbeddedRedis;

namespace Routing.Testing;

/// <summary>
/// The Redis the tests use: <c>ROUTING_TEST_REDIS</c> when set (CI points it at a real redis-server),
/// otherwise one embedded Garnet server per test process, so that the README's test command needs no setup.
/// </summary>
public static class TestRedis
{
    public const string EnvironmentVariable = "ROUTING_TEST_REDIS";

    private static readonly Lazy<EmbeddedRedisServer> Embedded = new(() => EmbeddedRedisServer.Start());

    public static string ConnectionString =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } configured ? configured : Embedded.Value.ConnectionString;

    public static string Describe() =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } configured ? $"redis at {configured}" : "embedded Garnet";

    /// <summary>A key prefix no other test shares, so tests never see each other's ledgers.</summary>
    public static string UniquePrefix() => $"test:{Guid.NewGuid():N}:";
}
