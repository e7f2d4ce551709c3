using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Routing.ServiceDefaults.Hosting;

/// <summary>Structured JSON logs in clusters (key <c>Routing:Logging:Format</c> = <c>json</c>), one line per event otherwise.</summary>
public static class LoggingSetup
{
    public const string FormatKey = "Routing:Logging:Format";

    /// <summary>
    /// Categories that log every request at Information: ASP.NET Core's hosting ("Request starting", "Request
    /// finished" for each gRPC call) and HttpClientFactory (four lines per backend call). One executor step is four
    /// gRPC requests across the services and one backend call, so at Information a step wrote a dozen JSON lines
    /// with scopes. They start at Warning; <c>Logging:LogLevel:&lt;category&gt;</c> turns them back on.
    /// </summary>
    public static readonly IReadOnlyList<string> PerRequestCategories = ["Microsoft.AspNetCore", "System.Net.Http.HttpClient"];

    public static void Configure(ILoggingBuilder logging, IConfiguration configuration)
    {
        var format = configuration[FormatKey] ?? "json";
        logging.ClearProviders();
        switch (format)
        {
            case "json":
                logging.AddJsonConsole(o =>
                {
                    o.IncludeScopes = true;
                    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                    o.UseUtcTimestamp = true;
                });
                break;
            case "simple":
                logging.AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.TimestampFormat = "HH:mm:ss ";
                });
                break;
            case "none":
                break;
            default:
                throw new InvalidOperationException($"{FormatKey}: expected 'json', 'simple' or 'none', got '{format}'.");
        }
        foreach (var category in PerRequestCategories)
        {
            if (configuration[$"Logging:LogLevel:{category}"] is null)
            {
                logging.AddFilter(category, LogLevel.Warning);
            }
        }
    }
}
