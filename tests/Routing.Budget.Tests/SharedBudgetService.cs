using Routing.Contracts.Budget.V1;
using Xunit;

namespace Routing.Budget.Tests;

/// <summary>One budget service for a test class; tests keep apart by using their own tenant and task ids.</summary>
public sealed class SharedBudgetService : IAsyncLifetime
{
    private BudgetServiceInstance? _instance;

    public BudgetServiceInstance Instance => _instance ?? throw new InvalidOperationException("not started");

    public BudgetService.BudgetServiceClient Client => Instance.Client;

    public async Task InitializeAsync() => _instance = await BudgetServiceInstance.StartAsync();

    public async Task DisposeAsync()
    {
        if (_instance is not null)
        {
            await _instance.DisposeAsync();
        }
    }

    public static string NewTenant() => "t" + Guid.NewGuid().ToString("N")[..12];
}
