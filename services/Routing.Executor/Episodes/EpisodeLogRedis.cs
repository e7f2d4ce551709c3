using Microsoft.Extensions.Options;
using Routing.Executor.Options;
using Routing.ServiceDefaults.Redis;
using StackExchange.Redis;

namespace Routing.Executor.Episodes;

/// <summary>
/// The Redis the episode log writes to: a multiplexer of its own when <see cref="EpisodeLogOptions.ConnectionString"/>
/// names one (so a full log Redis never refuses a ledger write), else the service's main one.
/// </summary>
public sealed class EpisodeLogRedis : IDisposable
{
    private readonly ConnectionMultiplexer? _own;

    public EpisodeLogRedis(IConnectionMultiplexer main, IOptions<EpisodeLogOptions> options, IOptions<RedisOptions> redisOptions)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(redisOptions);
        if (string.IsNullOrWhiteSpace(options.Value.ConnectionString))
        {
            Connection = main;
            return;
        }
        var configuration = RedisRegistration.CreateConfiguration(
            new RedisOptions
            {
                ConnectionString = options.Value.ConnectionString,
                CommandTimeoutMilliseconds = redisOptions.Value.CommandTimeoutMilliseconds,
                ConnectTimeoutMilliseconds = redisOptions.Value.ConnectTimeoutMilliseconds,
            },
            "routing-executor-episodes");
        _own = ConnectionMultiplexer.Connect(configuration);
        Connection = _own;
    }

    public IConnectionMultiplexer Connection { get; }

    /// <summary>Whether the log has a Redis of its own.</summary>
    public bool IsSeparate => _own is not null;

    public void Dispose() => _own?.Dispose();
}
