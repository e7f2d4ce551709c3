using System.Globalization;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Routing.Contracts.Budget.V1;
using Routing.ServiceDefaults.Options;
using Routing.Testing;

namespace Routing.Budget.Tests;

/// <summary>A real budget service on loopback (Kestrel, gRPC) over a given Redis, with a client to it.</summary>
public sealed class BudgetServiceInstance : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BudgetServiceInstance(WebApplication app, GrpcChannel channel)
    {
        _app = app;
        Channel = channel;
        Client = new BudgetService.BudgetServiceClient(channel);
    }

    public GrpcChannel Channel { get; }

    public BudgetService.BudgetServiceClient Client { get; }

    public ServiceEndpointOptions Endpoint => _app.Services.GetRequiredService<ServiceEndpointOptions>();

    public IServiceProvider Services => _app.Services;

    /// <param name="keyPrefix">Ledger key prefix; tests use unique ones so they never share ledgers.</param>
    public static async Task<BudgetServiceInstance> StartAsync(string? redis = null, string? keyPrefix = null, IDictionary<string, string?>? settings = null)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Routing:Redis:ConnectionString"] = redis ?? TestRedis.ConnectionString,
            ["Routing:Redis:CommandTimeoutMilliseconds"] = "1000",
            ["Routing:Service:BindAddress"] = "127.0.0.1",
            ["Routing:Service:GrpcPort"] = "0",
            ["Routing:Service:MetricsPort"] = "0",
            ["Routing:Logging:Format"] = "none",
            ["Routing:Budget:KeyPrefix"] = keyPrefix ?? TestRedis.UniquePrefix(),
            ["Routing:Budget:SweepIntervalSeconds"] = "1",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }
        var app = BudgetServiceHost.Build([], builder => builder.Configuration.AddInMemoryCollection(configuration));
        await app.StartAsync();
        var endpoint = app.Services.GetRequiredService<ServiceEndpointOptions>();
        var channel = GrpcChannel.ForAddress(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{endpoint.GrpcPort}"));
        return new BudgetServiceInstance(app, channel);
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
