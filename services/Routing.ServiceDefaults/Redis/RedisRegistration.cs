using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Routing.ServiceDefaults.Options;
using StackExchange.Redis;

namespace Routing.ServiceDefaults.Redis;

public static class RedisRegistration
{
    /// <summary>
    /// One shared multiplexer per process (it is thread-safe and pipelines), created on first use, plus a
    /// health check that pings it.
    /// </summary>
    public static IServiceCollection AddRoutingRedis(this IServiceCollection services, string clientName)
    {
        services.AddValidatedOptions<RedisOptions>(RedisOptions.SectionName);
        services.AddSingleton<IConnectionMultiplexer>(sp =>
            ConnectionMultiplexer.Connect(CreateConfiguration(sp.GetRequiredService<IOptions<RedisOptions>>().Value, clientName)));
        services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", tags: [HealthTags.Ready]);
        return services;
    }

    /// <summary>
    /// Start even when Redis is down (reconnect in the background) and fail commands at once while it is
    /// unreachable, instead of queueing them: callers then get <c>Unavailable</c> quickly and retry.
    /// </summary>
    public static ConfigurationOptions CreateConfiguration(RedisOptions options, string clientName)
    {
        ArgumentNullException.ThrowIfNull(options);
        var configuration = ConfigurationOptions.Parse(options.ConnectionString);
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ConnectTimeout = options.ConnectTimeoutMilliseconds;
        configuration.AsyncTimeout = options.CommandTimeoutMilliseconds;
        configuration.SyncTimeout = options.CommandTimeoutMilliseconds;
        configuration.ClientName = clientName;
        return configuration;
    }
}
