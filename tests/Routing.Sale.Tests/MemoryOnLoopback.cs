using Routing.Contracts.Memory.V1;
using Routing.Sale.Memory;
using Routing.Testing;
using Xunit;

namespace Routing.Sale.Tests;

/// <summary>The real memory service (Kestrel, gRPC, Redis or embedded Garnet) on loopback, shared by a test class.</summary>
public sealed class MemoryOnLoopback : IAsyncLifetime
{
    private MemoryServiceInstance? _instance;

    public MemoryService.MemoryServiceClient Client { get; private set; } = null!;

    public IAuctionMemory Memory { get; private set; } = null!;

    public static string NewTenant() => "t" + Guid.NewGuid().ToString("N")[..12];

    public async Task InitializeAsync()
    {
        _instance = await MemoryServiceInstance.StartAsync();
        Client = _instance.Client;
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
        if (_instance is not null)
        {
            await _instance.DisposeAsync();
        }
    }
}
