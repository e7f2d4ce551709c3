using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Routing.Budget;
using Routing.EmbeddedRedis;
using Routing.Memory;
using Routing.Policy;
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
    /// <summary>The services <c>routing up</c> starts: name, default ports, and how to build the host.</summary>
    private static readonly (string Name, int GrpcPort, int MetricsPort, Func<string[], Action<WebApplicationBuilder>, WebApplication> Build)[] Catalog =
    [
        ("budget", BudgetServiceHost.DefaultGrpcPort, BudgetServiceHost.DefaultMetricsPort, BudgetServiceHost.Build),
        ("policy", PolicyServiceHost.DefaultGrpcPort, PolicyServiceHost.DefaultMetricsPort, PolicyServiceHost.Build),
        ("memory", MemoryServiceHost.DefaultGrpcPort, MemoryServiceHost.DefaultMetricsPort, MemoryServiceHost.Build),
    ];

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

    public LocalService Budget => Find("budget");

    public LocalService Policy => Find("policy");

    public LocalService Memory => Find("memory");

    /// <param name="redisConnectionString">Null or empty starts the embedded server.</param>
    /// <param name="anyPorts">Pick free ports instead of each service's defaults.</param>
    public static async Task<LocalStack> StartAsync(string? redisConnectionString, string bindAddress, bool anyPorts, string logFormat, CancellationToken cancellationToken)
    {
        EmbeddedRedisServer? embedded = null;
        if (string.IsNullOrWhiteSpace(redisConnectionString))
        {
            embedded = EmbeddedRedisServer.Start();
            redisConnectionString = embedded.ConnectionString;
        }

        var services = new List<LocalService>();
        var stack = new LocalStack(embedded, redisConnectionString, services);
        try
        {
            foreach (var (name, grpcPort, metricsPort, build) in Catalog)
            {
                var settings = new Dictionary<string, string?>
                {
                    ["Routing:Redis:ConnectionString"] = redisConnectionString,
                    ["Routing:Service:BindAddress"] = bindAddress,
                    ["Routing:Service:GrpcPort"] = (anyPorts ? 0 : grpcPort).ToString(CultureInfo.InvariantCulture),
                    ["Routing:Service:MetricsPort"] = (anyPorts ? 0 : metricsPort).ToString(CultureInfo.InvariantCulture),
                    [LoggingSetup.FormatKey] = logFormat,
                };
                var app = build([], builder => builder.Configuration.AddInMemoryCollection(settings));
                services.Add(new LocalService(name, app, (ServiceEndpointOptions)app.Services.GetService(typeof(ServiceEndpointOptions))!));
                await app.StartAsync(cancellationToken);
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
        for (var i = Services.Count - 1; i >= 0; i--)
        {
            await Services[i].App.StopAsync();
            await Services[i].App.DisposeAsync();
        }
        _embeddedRedis?.Dispose();
    }

    private LocalService Find(string name)
    {
        foreach (var service in Services)
        {
            if (service.Name == name)
            {
                return service;
            }
        }
        throw new InvalidOperationException($"the local stack has no {name} service");
    }
}
