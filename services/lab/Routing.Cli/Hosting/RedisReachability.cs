using StackExchange.Redis;

namespace Routing.Cli.Hosting;

/// <summary>Redis named for the local stack did not answer: one line for the user, no stack trace.</summary>
public sealed class RedisUnreachableException(string message) : Exception(message);

/// <summary>
/// Checks a configured Redis before any service starts. The services connect with AbortOnConnectFail = false
/// (right for a pod, which must ride out a Redis restart), so an address that never answers would otherwise
/// leave them retrying and failing readiness checks until the stack's ready timeout.
/// </summary>
public static class RedisReachability
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static async Task EnsureAsync(string connectionString, CancellationToken cancellationToken)
    {
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new RedisUnreachableException($"the Redis connection string is invalid: {e.Message}");
        }
        // Endpoints only: the connection string may hold a password.
        var where = string.Join(", ", options.EndPoints.Select(e => e.ToString()));
        options.AbortOnConnectFail = true;
        options.ConnectRetry = 1;
        options.ConnectTimeout = (int)Timeout.TotalMilliseconds;
        try
        {
            using var writer = new StringWriter();
            await using var connection = await ConnectionMultiplexer.ConnectAsync(options, writer).WaitAsync(Timeout * 2, cancellationToken);
            await connection.GetDatabase().PingAsync().WaitAsync(Timeout, cancellationToken);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // StackExchange.Redis' own message advises abortConnect=false, which is the opposite of what is wanted here.
            throw new RedisUnreachableException(
                $"cannot reach Redis at {where} (no answer within {Timeout.TotalSeconds:0} s: refused, unreachable or wrong password); check --redis or Routing__Redis__ConnectionString");
        }
    }
}
