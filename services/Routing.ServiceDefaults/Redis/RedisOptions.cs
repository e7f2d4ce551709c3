using System.ComponentModel.DataAnnotations;

namespace Routing.ServiceDefaults.Redis;

/// <summary>The Redis (or Redis-compatible) server that holds state. Section <c>Routing:Redis</c>.</summary>
public sealed class RedisOptions
{
    public const string SectionName = "Routing:Redis";

    /// <summary>StackExchange.Redis connection string, e.g. <c>redis:6379,password=…</c>.</summary>
    [Required]
    public string ConnectionString { get; set; } = "";

    /// <summary>How long a command may wait for Redis before the caller gets <c>Unavailable</c>.</summary>
    [Range(100, 60_000)]
    public int CommandTimeoutMilliseconds { get; set; } = 2_000;

    /// <summary>How long one connection attempt may take.</summary>
    [Range(100, 60_000)]
    public int ConnectTimeoutMilliseconds { get; set; } = 5_000;
}
