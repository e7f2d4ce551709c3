using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Routing.ServiceDefaults.Hosting;
using Xunit;

namespace Routing.Executor.Tests;

/// <summary>Every service logs through <see cref="LoggingSetup"/>; a step must not write a log line per request.</summary>
public sealed class PerRequestLoggingTests
{
    [Fact]
    public void RequestLogsStartAtWarningAndTheServicesOwnInformationStays()
    {
        using var loggers = Build(new Dictionary<string, string?> { [LoggingSetup.FormatKey] = "json" });

        Assert.False(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Information));
        Assert.False(loggers.CreateLogger("System.Net.Http.HttpClient.instant-small.LogicalHandler").IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Warning));
        Assert.True(loggers.CreateLogger("Routing.Executor.Pipeline.StepPipeline").IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger("Microsoft.Hosting.Lifetime").IsEnabled(LogLevel.Information));
    }

    [Fact]
    public void ConfigurationTurnsRequestLogsBackOn()
    {
        using var loggers = Build(new Dictionary<string, string?>
        {
            [LoggingSetup.FormatKey] = "json",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Information",
        });

        Assert.True(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Information));
        Assert.False(loggers.CreateLogger("System.Net.Http.HttpClient.instant-small.LogicalHandler").IsEnabled(LogLevel.Information));
    }

    private static ServiceProviderLoggers Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging(logging =>
        {
            logging.AddConfiguration(configuration.GetSection("Logging"));
            LoggingSetup.Configure(logging, configuration);
        }).BuildServiceProvider();
        return new ServiceProviderLoggers(services);
    }

    private sealed class ServiceProviderLoggers(ServiceProvider services) : IDisposable
    {
        public ILogger CreateLogger(string category) => services.GetRequiredService<ILoggerFactory>().CreateLogger(category);

        public void Dispose() => services.Dispose();
    }
}
