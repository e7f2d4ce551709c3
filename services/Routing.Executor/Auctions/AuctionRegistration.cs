using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using Routing.Contracts.Memory.V1;
using Routing.Executor.Options;
using Routing.Executor.Pipeline;
using Routing.Sale.Auction;
using Routing.Sale.Memory;
using Routing.Sale.Prompts;
using Routing.Sale.Scoring;
using Routing.Sale.Weights;
using Routing.ServiceDefaults.Auth;
using Routing.ServiceDefaults.Options;
using Routing.ServiceDefaults.Grpc;

namespace Routing.Executor.Auctions;

public static class AuctionRegistration
{
    /// <summary>
    /// SALE in the executor: options <c>Routing:Executor:Sale</c>, the weights (the hot-reloaded file, else the
    /// untrained neutral weights), the memory service at <c>Routing:Executor:MemoryAddress</c>, one
    /// <see cref="AuctionEngine"/>, and the RPC's runner and outcome recorder.
    /// </summary>
    public static IServiceCollection AddExecutorSale(this IServiceCollection services)
    {
        services.AddValidatedOptions<ExecutorSaleOptions>(ExecutorSaleOptions.SectionName);
        services.AddSingleton(_ => AuctionPrompts.Load());
        services.AddSingleton<ISaleWeightsSource>(sp =>
        {
            var file = sp.GetRequiredService<IOptions<ExecutorSaleOptions>>().Value.WeightsFile;
            // Without a trained file every agent, present or added later, gets the neutral default juror weight.
            return string.IsNullOrWhiteSpace(file) ? new FixedSaleWeights(SaleWeights.Untrained([])) : new ReloadingSaleWeights(file);
        });
        services.AddSingleton<AuctionMemoryChannel>();
        services.AddSingleton<IAuctionMemory>(sp => new GrpcAuctionMemory(
            new MemoryService.MemoryServiceClient(sp.GetRequiredService<AuctionMemoryChannel>().Channel.Intercept(sp.GetRequiredService<GrpcClientMetricsInterceptor>())),
            TimeSpan.FromMilliseconds(sp.GetRequiredService<IOptions<ExecutorSaleOptions>>().Value.MemoryTimeoutMilliseconds)));
        services.AddSingleton(sp => new AuctionEngine(
            sp.GetRequiredService<ISaleWeightsSource>(),
            sp.GetRequiredService<IAuctionMemory>(),
            sp.GetRequiredService<IOptions<ExecutorSaleOptions>>().Value.ToAuctionOptions(sp.GetRequiredService<IOptions<ExecutorOptions>>().Value.FallbackAgent),
            sp.GetRequiredService<AuctionPrompts>()));
        services.AddSingleton<TaskAuctionStore>();
        services.AddSingleton<AuctionRunner>();
        services.AddSingleton<AuctionOutcomeRecorder>();
        services.AddHostedService<SaleWeightsStartupCheck>();
        return services;
    }
}

/// <summary>The memory service's channel, opened once like the budget and policy ones (round-robin over <c>dns:///</c>).</summary>
public sealed class AuctionMemoryChannel(IOptions<ExecutorOptions> options, ServiceTokens tokens) : IDisposable
{
    public GrpcChannel Channel { get; } = ServiceClients.Open(options.Value.MemoryAddress, tokens);

    public void Dispose() => Channel.Dispose();
}
