using Routing.Contracts.Memory.V1;
using Routing.Testing;
using Xunit;

namespace Routing.Memory.Tests;

/// <summary>One memory service for a test class; tests keep apart by using their own tenants.</summary>
public sealed class SharedMemoryService : IAsyncLifetime
{
    private MemoryServiceInstance? _instance;

    public MemoryServiceInstance Instance => _instance ?? throw new InvalidOperationException("not started");

    public MemoryService.MemoryServiceClient Client => Instance.Client;

    public async Task InitializeAsync() => _instance = await MemoryServiceInstance.StartAsync();

    public async Task DisposeAsync()
    {
        if (_instance is not null)
        {
            await _instance.DisposeAsync();
        }
    }

    public static string NewTenant() => "t" + Guid.NewGuid().ToString("N")[..12];
}
