using Routing.ServiceDefaults.Hosting;

namespace Routing.Cli.Bench;

/// <summary>Settings of a service a benchmark hosts in its own process: loopback, any free ports, no logs.</summary>
public static class BenchServiceSettings
{
    /// <summary>
    /// The shared part plus <paramref name="extra"/>. The Redis timeout is long because a benchmark saturates the
    /// machine on purpose: a slow answer must be measured, not turned into an error.
    /// </summary>
    public static Dictionary<string, string?> Loopback(string redis, IEnumerable<KeyValuePair<string, string?>> extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Routing:Redis:ConnectionString"] = redis,
            ["Routing:Redis:CommandTimeoutMilliseconds"] = "10000",
            ["Routing:Service:BindAddress"] = "127.0.0.1",
            ["Routing:Service:GrpcPort"] = "0",
            ["Routing:Service:MetricsPort"] = "0",
            [LoggingSetup.FormatKey] = "none",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }
}
