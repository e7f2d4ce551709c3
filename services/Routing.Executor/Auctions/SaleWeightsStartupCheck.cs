using Microsoft.Extensions.Options;
using Routing.Executor.Options;
using Routing.Sale.Weights;

namespace Routing.Executor.Auctions;

/// <summary>
/// Loads the SALE weights at start, so a missing or invalid <c>Routing:Executor:Sale:WeightsFile</c> (a ConfigMap
/// without the key, a bad file) stops start-up naming the setting, as a bad agent pool does. Loaded lazily it
/// would instead fail every gRPC call of a pod that reports ready: the gRPC service depends on the auction runner.
/// </summary>
public sealed class SaleWeightsStartupCheck(IServiceProvider services, IOptions<ExecutorSaleOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            _ = services.GetRequiredService<ISaleWeightsSource>();
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException(
                $"{ExecutorSaleOptions.SectionName}:WeightsFile: '{options.Value.WeightsFile}' cannot be loaded ({e.Message}); fix it, or set it to \"\" for the untrained neutral weights.", e);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
