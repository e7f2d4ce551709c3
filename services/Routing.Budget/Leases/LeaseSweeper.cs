using Microsoft.Extensions.Options;
using Routing.Budget.Ledger;
using Routing.Budget.Options;
using StackExchange.Redis;

namespace Routing.Budget.Leases;

/// <summary>
/// Reclaims expired leases of every tenant in the background, so a crashed caller's reservation comes back
/// even on a task nobody touches again (the scripts also reclaim lazily on every call). Safe to run on
/// every replica at once: reclaiming is one idempotent script per tenant.
/// </summary>
public sealed class LeaseSweeper(BudgetLedger ledger, IOptions<BudgetOptions> options, ILogger<LeaseSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(options.Value.SweepIntervalSeconds);
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var reclaimed = await ledger.SweepExpiredLeasesAsync(options.Value.SweepBatchSize, stoppingToken);
                if (reclaimed > 0)
                {
                    logger.LogInformation("Reclaimed {Count} expired leases", reclaimed);
                }
            }
            catch (RedisException exception)
            {
                logger.LogWarning(exception, "Lease sweep failed; retrying in {Interval}", interval);
            }
        }
    }
}
