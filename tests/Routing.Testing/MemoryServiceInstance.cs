using Grpc.Net.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Routing.Contracts.Memory.V1;
using Routing.Memory;
using Routing.Memory.Index;
using Routing.ServiceDefaults.Options;

namespace Routing.Testing;

/// <summary>
/// A real memory service on loopback (Kestrel, gRPC) over a given Redis, with a client to it: the memory service's own
/// tests, the SALE tests and the executor's auction tests all host it this one way.
/// </summary>
public sealed class MemoryServiceInstance : IAsyncDisposable
{
    private readonly LoopbackService _service;

    private MemoryServiceInstance(LoopbackService service, string keyPrefix)
    {
        _service = service;
        KeyPrefix = keyPrefix;
        Client = new MemoryService.MemoryServiceClient(service.Channel);
    }

    public GrpcChannel Channel => _service.Channel;

    public MemoryService.MemoryServiceClient Client { get; }

    public string KeyPrefix { get; }

    public IServiceProvider Services => _service.Services;

    public ServiceEndpointOptions Endpoint => _service.Endpoint;

    /// <param name="keyPrefix">Memory key prefix; replicas of one memory share it, unrelated tests use unique ones.</param>
    /// <param name="waitUntilLoaded">Wait for the index's first load from Redis before returning.</param>
    public static async Task<MemoryServiceInstance> StartAsync(
        string? redis = null, string? keyPrefix = null, IDictionary<string, string?>? settings = null, bool waitUntilLoaded = true)
    {
        keyPrefix ??= TestRedis.UniquePrefix();
        var configuration = LoopbackService.Settings(new Dictionary<string, string?>
        {
            ["Routing:Redis:ConnectionString"] = redis ?? TestRedis.ConnectionString,
            ["Routing:Memory:KeyPrefix"] = keyPrefix,
            ["Routing:Memory:ChangePollMilliseconds"] = "50",
        }, settings);
        var app = MemoryServiceHost.Build([], builder => builder.Configuration.AddInMemoryCollection(configuration));
        var service = await LoopbackService.StartAsync(app);
        if (waitUntilLoaded)
        {
            await app.Services.GetRequiredService<MemoryIndex>().WhenReady.WaitAsync(TimeSpan.FromSeconds(30));
        }
        return new MemoryServiceInstance(service, keyPrefix);
    }

    public ValueTask DisposeAsync() => _service.DisposeAsync();
}
