using Microsoft.Extensions.Options;
using Routing.Budget.Grpc;
using Routing.Budget.Leases;
using Routing.Budget.Ledger;
using Routing.Budget.Metrics;
using Routing.Budget.Options;
using Routing.Contracts.Budget.V1;
using Routing.ServiceDefaults.Auth;
using Routing.ServiceDefaults.Grpc;
using Routing.ServiceDefaults.Hosting;
using Routing.ServiceDefaults.Metrics;
using Routing.ServiceDefaults.Options;
using Routing.ServiceDefaults.Redis;
using StackExchange.Redis;

namespace Routing.Budget;

/// <summary>Builds the budget service; used by its own Program and by the CLI, which hosts it in-process.</summary>
public static class BudgetServiceHost
{
    public const int DefaultGrpcPort = 5101;
    public const int DefaultMetricsPort = 9101;

    /// <summary>
    /// Tenant administration, open only to the admin token: a ceiling caps what every task of a tenant may spend,
    /// and a tenant's ledger shows its spend. Task calls stay with the service token, whose holder (the executor)
    /// takes the tenant from the caller's API key, so no tenant reaches another's tasks through it.
    /// </summary>
    public static readonly string[] AdminMethods =
    [
        $"/{BudgetService.Descriptor.FullName}/{nameof(BudgetService.BudgetServiceBase.SetTenantCeiling)}",
        $"/{BudgetService.Descriptor.FullName}/{nameof(BudgetService.BudgetServiceBase.GetTenant)}",
    ];

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        builder.AddServiceDefaults(DefaultGrpcPort, DefaultMetricsPort);
        builder.AddServiceMetrics("budget", BudgetMetrics.Registry);
        builder.Services.AddServiceAuth(AdminMethods);
        builder.Services.AddBudgetLedger();
        builder.Services.AddSingleton(new StorageErrorPolicy(
            "the budget ledger's Redis is unreachable; if a reservation was in flight its outcome is unknown: retry with the same idempotency_key",
            "budget ledger script failed",
            BudgetMetrics.Errors));
        builder.Services.AddGrpc(o => o.Interceptors.Add<StorageErrorInterceptor>());
        builder.Services.AddHostedService<LeaseSweeper>();

        var app = builder.Build();
        app.MapServiceDefaults();
        app.MapGrpcService<BudgetGrpcService>();
        return app;
    }

    public static IServiceCollection AddBudgetLedger(this IServiceCollection services)
    {
        services.AddRoutingRedis("routing-budget");
        services.AddValidatedOptions<BudgetOptions>(BudgetOptions.SectionName);
        services.AddSingleton(sp => new LedgerKeys(sp.GetRequiredService<IOptions<BudgetOptions>>().Value.KeyPrefix));
        services.AddSingleton(sp => new TenantLabels(sp.GetRequiredService<IOptions<BudgetOptions>>().Value.MaxTenantLabels));
        services.AddSingleton(sp => new BudgetLedger(
            sp.GetRequiredService<IConnectionMultiplexer>(),
            sp.GetRequiredService<LedgerKeys>(),
            sp.GetRequiredService<TenantLabels>()));
        return services;
    }
}
