using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Routing.Kubernetes.Watching;

namespace Routing.Kubernetes.Hosting;

/// <summary>Runs one <see cref="ConfigMapWatcher"/> for the lifetime of the host.</summary>
public sealed partial class ConfigMapWatchService(string section, ConfigMapWatchOptions options, IConfigMapConsumer consumer, ILogger<ConfigMapWatchService> logger) : BackgroundService
{
    /// <summary>The running watcher (null while off or before start).</summary>
    public ConfigMapWatcher? Watcher { get; private set; }

    public string Section => section;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Enabled)
        {
            var @namespace = KubernetesClientFactory.ResolveNamespace(options) ?? throw new InvalidOperationException(
                $"{section}:Namespace is empty and neither POD_NAMESPACE nor the service account namespace file says which namespace holds configmap {options.ConfigMap}.");
            Watcher = new ConfigMapWatcher(KubernetesClientFactory.Create(options), @namespace, options.ConfigMap!, consumer, options, logger);
            LogWatching(logger, @namespace, options.ConfigMap!, section);
        }
        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Watcher is null ? Task.CompletedTask : Watcher.RunAsync(stoppingToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Watching configmap {Namespace}/{Name} ({Section}).")]
    private static partial void LogWatching(ILogger logger, string @namespace, string name, string section);
}
