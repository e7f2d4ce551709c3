using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Routing.Budget;
using Routing.EmbeddedRedis;
using Routing.ServiceDefaults.Hosting;
using Routing.ServiceDefaults.Options;

namespace Routing.Cli.Hosting;

/// <summary>One service of the local stack and where it listens.</summary>
public sealed record LocalService(string Name, WebApplication App, ServiceEndpointOptions Endpoint)
{
    public string GrpcAddress => $"http://{Endpoint.BindAddress}:{Endpoint.GrpcPort}";

    public string MetricsAddress => $"http://{Endpoint.BindAddress}:{Endpoint.MetricsPort}/metrics";
}

/// <summary>
/// Every service that exists, hosted in this process on loopback, on a configured Redis or on an embedded
/// Redis-compatible server when none is configured.
/// </summary>
public sealed class LocalStack : IAsyncDisposable
{
    private readonly EmbeddedRedisServer? _embeddedRedis;

    private LocalStack(EmbeddedRedisServer? embeddedRedis, string redisConnectionString, IReadOnlyList<LocalService> services)
    {
        _embeddedRedis = embeddedRedis;
        RedisConnectionString = redisConnectionString;
        Services = services;
    }

    public string RedisConnectionString { get; }

    public bool RedisIsEmbedded => _embeddedRedis is not null;

    public IReadOnlyList<LocalService> Services { get; }

    public LocalService Budget => Services[0];

    /// <param name="redisConnectionString">Null or empty starts the embedded server.</param>
    /// <param name="ports">Ports per service; 0 picks free ones.</param>
    public static async Task<LocalStack> StartAsync(string? redisConnectionString, string bindAddress, LocalPorts ports, string logFormat, CancellationToken cancellationToken)
    {
        EmbeddedRedisServer? embedded = null;
        if (string.IsNullOrWhiteSpace(redisConnectionString))
        {
            embedded = EmbeddedRedisServer.Start();
            redisConnectionString = embedded.ConnectionString;
        }

        var settings = new Dictionary<string, string?>
        {
            ["Routing:Redis:ConnectionString"] = redisConnectionString,
            ["Routing:Service:BindAddress"] = bindAddress,
            [LoggingSetup.FormatKey] = logFormat,
            ["Routing:Service:GrpcPort"] = ports.BudgetGrpc.ToString(CultureInfo.InvariantCulture),
            ["Routing:Service:MetricsPort"] = ports.BudgetMetrics.ToString(CultureInfo.InvariantCulture),
        };
        var budget = BudgetServiceHost.Build([], builder => builder.Configuration.AddInMemoryCollection(settings));
        var services = new List<LocalService> { new("budget", budget, Endpoint(budget)) };
        var stack = new LocalStack(embedded, redisConnectionString, services);
        try
        {
            foreach (var service in services)
            {
                await service.App.StartAsync(cancellationToken);
            }
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
        return stack;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in Services.Reverse())
        {
            await service.App.StopAsync();
            await service.App.DisposeAsync();
        }
        _embeddedRedis?.Dispose();
    }

    private static ServiceEndpointOptions Endpoint(WebApplication app) =>
        (ServiceEndpointOptions)app.Services.GetService(typeof(ServiceEndpointOptions))!;
}

/// <summary>Ports of the local stack; 0 picks a free port.</summary>
public sealed record LocalPorts(int BudgetGrpc, int BudgetMetrics)
{
    public static readonly LocalPorts Defaults = new(BudgetServiceHost.DefaultGrpcPort, BudgetServiceHost.DefaultMetricsPort);

    public static readonly LocalPorts Any = new(0, 0);
}
