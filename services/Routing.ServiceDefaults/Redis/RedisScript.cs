using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Prometheus;
using StackExchange.Redis;

namespace Routing.ServiceDefaults.Redis;

/// <summary>
/// One Lua script, sent as <c>EVALSHA</c>. After a Redis restart the server's script cache is empty; the
/// first call then gets NOSCRIPT and falls back to <c>EVAL</c>, which loads the script again.
/// </summary>
public sealed class RedisScript
{
    private readonly byte[] _sha1;

    public RedisScript(string name, string source)
    {
        Name = name;
        Source = source;
        _sha1 = SHA1.HashData(Encoding.UTF8.GetBytes(source));
    }

    public string Name { get; }

    public string Source { get; }

    /// <summary>Runs the script and records its round trip in <paramref name="duration"/>, labelled by the script's name.</summary>
    public async Task<RedisResult> EvaluateAsync(IDatabaseAsync database, RedisKey[] keys, RedisValue[] args, Histogram duration)
    {
        ArgumentNullException.ThrowIfNull(duration);
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await EvaluateAsync(database, keys, args);
        }
        finally
        {
            duration.WithLabels(Name).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    public async Task<RedisResult> EvaluateAsync(IDatabaseAsync database, RedisKey[] keys, RedisValue[] args)
    {
        ArgumentNullException.ThrowIfNull(database);
        try
        {
            return await database.ScriptEvaluateAsync(_sha1, keys, args);
        }
        catch (RedisServerException exception) when (exception.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            return await database.ScriptEvaluateAsync(Source, keys, args);
        }
    }
}
