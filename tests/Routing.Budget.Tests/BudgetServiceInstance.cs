using Grpc.Net.Client;
using Microsoft.Extensions.Configuration;
using Routing.Contracts.Budget.V1;
using Routing.ServiceDefaults.Options;
using Routing.Testing;

namespace Routing.Budget.Tests;

/// <summary>A real budget service on loopback (Kestrel, gRPC) over a given Redis, with a client to it.</summary>
public sealed class BudgetServiceInstance : IAsyncDisposable
{
    private readonly LoopbackService _service;

    private BudgetServiceInstance(LoopbackService service)
    {
        _service = service;
        Client = new BudgetService.BudgetServiceClient(service.Channel);
    }

    public GrpcChannel Channel => _service.Channel;

    public BudgetService.BudgetServiceClient Client { get; }

    public ServiceEndpointOptions Endpoint => _service.Endpoint;

    public IServiceProvider Services => _service.Services;

    /// <param name="keyPrefix">Ledger key prefix; tests use unique ones so they never share ledgers.</param>
    public static async Task<BudgetServiceInstance> StartAsync(string? redis = null, string? keyPrefix = null, IDictionary<string, string?>? settings = null)
    {
        var configuration = LoopbackService.Settings(new Dictionary<string, string?>
        {
            ["Routing:Redis:ConnectionString"] = redis ?? TestRedis.ConnectionString,
            ["Routing:Budget:KeyPrefix"] = keyPrefix ?? TestRedis.UniquePrefix(),
            ["Routing:Budget:SweepIntervalSeconds"] = "1",
        }, settings);
        var app = BudgetServiceHost.Build([], builder => builder.Configuration.AddInMemoryCollection(configuration));
        return new BudgetServiceInstance(await LoopbackService.StartAsync(app));
    }

    public ValueTask DisposeAsync() => _service.DisposeAsync();
}
