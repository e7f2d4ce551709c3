using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Routing.ServiceDefaults.Hosting;

/// <summary>Structured JSON logs in clusters (key <c>Routing:Logging:Format</c> = <c>json</c>), one line per event otherwise.</summary>
public static class LoggingSetup
{
    public const string FormatKey = "Routing:Logging:Format";

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
    }
}
