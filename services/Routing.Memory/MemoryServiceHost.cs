using Microsoft.Extensions.Options;
using Routing.Memory.Encoding;
using Routing.Memory.Grpc;
using Routing.Memory.Index;
using Routing.Memory.Metrics;
using Routing.Memory.Options;
using Routing.Memory.Replication;
using Routing.Memory.Storage;
using Routing.ServiceDefaults;
using Routing.ServiceDefaults.Auth;
using Routing.ServiceDefaults.Grpc;
using Routing.ServiceDefaults.Hosting;
using Routing.ServiceDefaults.Metrics;
using Routing.ServiceDefaults.Options;
using Routing.ServiceDefaults.Redis;

namespace Routing.Memory;

/// <summary>Builds the memory service; used by its own Program and by the CLI, which hosts it in-process.</summary>
public static class MemoryServiceHost
{
    public const int DefaultGrpcPort = 5103;
    public const int DefaultMetricsPort = 9103;

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        builder.AddServiceDefaults(DefaultGrpcPort, DefaultMetricsPort);
        builder.AddServiceMetrics("memory", MemoryMetrics.Registry);
        builder.Services.AddServiceAuth();
        builder.Services.AddAuctionMemory();
        builder.Services.AddSingleton(new StorageErrorPolicy(
            "the auction memory's Redis is unreachable; nothing was recorded unless a retry with the same auction_id says replayed",
            "auction memory script failed",
            MemoryMetrics.Errors));
        builder.Services.AddGrpc(o => o.Interceptors.Add<StorageErrorInterceptor>());

        var app = builder.Build();
        app.MapServiceDefaults();
        app.MapGrpcService<MemoryGrpcService>();
        return app;
    }

    public static IServiceCollection AddAuctionMemory(this IServiceCollection services)
    {
        services.AddRoutingRedis("routing-memory");
        services.AddValidatedOptions<MemoryOptions>(MemoryOptions.SectionName);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new MemoryKeys(sp.GetRequiredService<IOptions<MemoryOptions>>().Value.KeyPrefix));
        services.AddSingleton(sp => new HashedNgramEncoder(sp.GetRequiredService<IOptions<MemoryOptions>>().Value.EncoderDimension));
        services.AddSingleton(sp => new TenantLabels(sp.GetRequiredService<IOptions<MemoryOptions>>().Value.MaxTenantLabels));
        services.AddSingleton<AuctionStore>();
        services.AddSingleton<MemoryIndex>();
        services.AddSingleton<IndexSynchronizer>();
        services.AddHostedService(sp => sp.GetRequiredService<IndexSynchronizer>());
        services.AddSingleton<RetentionSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<RetentionSweeper>());
        services.AddHealthChecks().AddCheck<IndexHealthCheck>("memory-index", tags: [HealthTags.Ready]);
        return services;
    }
}
