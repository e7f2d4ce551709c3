using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Routing.Contracts.Memory.V1;
using Routing.Memory;
using Routing.Memory.Index;
using Routing.Sale.Memory;
using Routing.Testing;
using Xunit;

namespace Routing.Sale.Tests;

/// <summary>The real memory service (Kestrel, gRPC, Redis or embedded Garnet) on loopback, shared by a test class.</summary>
public sealed class MemoryOnLoopback : IAsyncLifetime
{
    private LoopbackService? _service;

    public MemoryService.MemoryServiceClient Client { get; private set; } = null!;

    public IAuctionMemory Memory { get; private set; } = null!;

    public static string NewTenant() => "t" + Guid.NewGuid().ToString("N")[..12];

    public async Task InitializeAsync()
    {
        var configuration = LoopbackService.Settings(new Dictionary<string, string?>
        {
            ["Routing:Redis:ConnectionString"] = TestRedis.ConnectionString,
            ["Routing:Memory:KeyPrefix"] = TestRedis.UniquePrefix(),
            ["Routing:Memory:ChangePollMilliseconds"] = "50",
        }, null);
        var app = MemoryServiceHost.Build([], builder => builder.Configuration.AddInMemoryCollection(configuration));
        _service = await LoopbackService.StartAsync(app);
        await app.Services.GetRequiredService<MemoryIndex>().WhenReady.WaitAsync(TimeSpan.FromSeconds(30));
        Client = new MemoryService.MemoryServiceClient(_service.Channel);
        Memory = new GrpcAuctionMemory(Client);
    }

    /// <summary>Waits until this replica's index holds <paramref name="records"/> auctions of the tenant (replication lag).</summary>
    public Task<long> IndexedAsync(string tenant, long records) => Eventually.ReturnsAsync(
        async () => (await Client.StatsAsync(new StatsRequest { Tenant = tenant })).Tenants.FirstOrDefault()?.Indexed ?? 0,
        n => n >= records,
        TimeSpan.FromSeconds(10),
        $"{records} auctions indexed for {tenant}");

    public async Task DisposeAsync()
    {
        if (_service is not null)
        {
            await _service.DisposeAsync();
        }
    }
}
