using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Routing.Contracts.Budget.V1;
using Routing.ServiceDefaults.Auth;
using Xunit;

namespace Routing.Budget.Tests;

/// <summary>A real budget service with service auth on: who may call what.</summary>
public sealed class ServiceAuthTests : IAsyncLifetime
{
    private const string ServiceToken = "svc-0123456789abcdef0123";
    private const string AdminToken = "adm-0123456789abcdef0123";

    private readonly SecretDirectory _secret = new(new Dictionary<string, string> { ["service-token"] = ServiceToken, ["admin-token"] = AdminToken });
    private readonly string _tenant = SharedBudgetService.NewTenant();
    private BudgetServiceInstance? _budget;

    private BudgetServiceInstance Budget => _budget ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() =>
        _budget = await BudgetServiceInstance.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Routing:Auth:Mode"] = "Token",
            ["Routing:Auth:TokenDirectory"] = _secret.Path,
        });

    public async Task DisposeAsync()
    {
        if (_budget is not null)
        {
            await _budget.DisposeAsync();
        }
        _secret.Dispose();
    }

    [Fact]
    public async Task CallWithoutTokenIsUnauthenticated()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Budget.Client.OpenTaskAsync(Open("a")).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task CallWithWrongTokenIsUnauthenticated()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Budget.Client.OpenTaskAsync(Open("a"), Bearer("svc-not-the-right-one-000")).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task ServiceTokenRunsATaskToItsClose()
    {
        await Budget.Client.OpenTaskAsync(Open("a"), Bearer(ServiceToken));
        var closed = await Budget.Client.CloseTaskAsync(new CloseTaskRequest { Tenant = _tenant, TaskId = "a" }, Bearer(ServiceToken));

        Assert.Equal(TaskState.Closed, closed.State);
    }

    [Fact]
    public async Task TenantAdministrationWithServiceTokenIsPermissionDenied()
    {
        var set = await Assert.ThrowsAsync<RpcException>(() => Budget.Client.SetTenantCeilingAsync(Ceiling(), Bearer(ServiceToken)).ResponseAsync);
        var get = await Assert.ThrowsAsync<RpcException>(() =>
            Budget.Client.GetTenantAsync(new GetTenantRequest { Tenant = _tenant }, Bearer(ServiceToken)).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, set.StatusCode);
        Assert.Contains("admin token", set.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.PermissionDenied, get.StatusCode);
    }

    [Fact]
    public async Task TenantAdministrationWithAdminTokenSucceeds()
    {
        await Budget.Client.SetTenantCeilingAsync(Ceiling(), Bearer(AdminToken));
        var tenant = await Budget.Client.GetTenantAsync(new GetTenantRequest { Tenant = _tenant }, Bearer(AdminToken));

        Assert.Equal(5_000, tenant.CeilingMicros);
    }

    [Fact]
    public async Task HealthNeedsNoToken()
    {
        var health = await new Health.HealthClient(Budget.Channel).CheckAsync(new HealthCheckRequest { Service = "" });

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    [Fact]
    public async Task RotatedTokenIsAcceptedOnceTheServiceReloads()
    {
        const string next = "svc-next-0123456789abcdef";
        _secret.Publish(new Dictionary<string, string> { ["service-token"] = ServiceToken, ["service-token-next"] = next, ["admin-token"] = AdminToken });

        var before = await Assert.ThrowsAsync<RpcException>(() => Budget.Client.OpenTaskAsync(Open("r"), Bearer(next)).ResponseAsync);
        Budget.Services.GetRequiredService<ServiceTokens>().Reload();
        var opened = await Budget.Client.OpenTaskAsync(Open("r"), Bearer(next));

        Assert.Equal(StatusCode.Unauthenticated, before.StatusCode);
        Assert.Equal(TaskState.Open, opened.State);
    }

    [Fact]
    public async Task ChannelWithServiceCredentialsSendsTheToken()
    {
        var tokens = Budget.Services.GetRequiredService<ServiceTokens>();
        using var channel = GrpcChannel.ForAddress(
            $"http://127.0.0.1:{Budget.Endpoint.GrpcPort}", new GrpcChannelOptions().WithToken(tokens.ServiceToken()));

        var opened = await new BudgetService.BudgetServiceClient(channel).OpenTaskAsync(Open("c"));

        Assert.Equal(TaskState.Open, opened.State);
    }

    private OpenTaskRequest Open(string taskId) => new() { Tenant = _tenant, TaskId = taskId, LimitMicros = 1_000 };

    private SetTenantCeilingRequest Ceiling() => new() { Tenant = _tenant, CeilingMicros = 5_000, WindowSeconds = 3_600 };

    private static Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };
}
