using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Routing.ServiceDefaults.Auth;

/// <summary>
/// Reads the token directory again every <see cref="ServiceAuthOptions.ReloadIntervalSeconds"/>. Polling, not a
/// file watcher: the kubelet publishes a Secret by swapping a symlink, which inotify watchers on the files miss.
/// Being a hosted service it also loads the tokens at start-up, so that a bad directory stops the process then.
/// </summary>
public sealed class ServiceTokenReloader(ServiceTokens tokens, IOptions<ServiceAuthOptions> options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!tokens.Enabled)
        {
            return;
        }
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.ReloadIntervalSeconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            tokens.Reload();
        }
    }
}
