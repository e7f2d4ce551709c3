using System.Globalization;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Routing.Contracts.Memory.V1;
using Routing.Memory.Index;
using Routing.ServiceDefaults.Options;
using Routing.Testing;

namespace Routing.Memory.Tests;

/// <summary>A real memory service on loopback (Kestrel, gRPC) over a given Redis, with a client to it.</summary>
public sealed class MemoryServiceInstance : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MemoryServiceInstance(WebApplication app, GrpcChannel channel, string keyPrefix)
    {
        _app = app;
        Channel = channel;
        KeyPrefix = keyPrefix;
        Client = new MemoryService.MemoryServiceClient(channel);
    }

    public GrpcChannel Channel { get; }

    public MemoryService.MemoryServiceClient Client { get; }

    public string KeyPrefix { get; }

    public IServiceProvider Services => _app.Services;

    public ServiceEndpointOptions Endpoint => _app.Services.GetRequiredService<ServiceEndpointOptions>();

    /// <param name="keyPrefix">Memory key prefix; replicas of one memory share it, unrelated tests use unique ones.</param>
    /// <param name="waitUntilLoaded">Wait for the index's first load from Redis before returning.</param>
    public static async Task<MemoryServiceInstance> StartAsync(
        string? redis = null, string? keyPrefix = null, IDictionary<string, string?>? settings = null, bool waitUntilLoaded = true)
    {
        keyPrefix ??= TestRedis.UniquePrefix();
        var configuration = new Dictionary<string, string?>
        {
            ["Routing:Redis:ConnectionString"] = redis ?? TestRedis.ConnectionString,
            ["Routing:Redis:CommandTimeoutMilliseconds"] = "1000",
            ["Routing:Service:BindAddress"] = "127.0.0.1",
            ["Routing:Service:GrpcPort"] = "0",
            ["Routing:Service:MetricsPort"] = "0",
            ["Routing:Logging:Format"] = "none",
            ["Routing:Memory:KeyPrefix"] = keyPrefix,
            ["Routing:Memory:ChangePollMilliseconds"] = "50",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }
        var app = MemoryServiceHost.Build([], builder => builder.Configuration.AddInMemoryCollection(configuration));
        await app.StartAsync();
        if (waitUntilLoaded)
        {
            await app.Services.GetRequiredService<MemoryIndex>().WhenReady.WaitAsync(TimeSpan.FromSeconds(30));
        }
        var endpoint = app.Services.GetRequiredService<ServiceEndpointOptions>();
        var channel = GrpcChannel.ForAddress(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{endpoint.GrpcPort}"));
        return new MemoryServiceInstance(app, channel, keyPrefix);
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
