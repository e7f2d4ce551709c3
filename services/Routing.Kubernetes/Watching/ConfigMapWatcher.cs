using Microsoft.Extensions.Logging;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Routing.Kubernetes.Watching;

/// <summary>
/// Follows one ConfigMap the way client-go's reflector does: list (the object and the collection's
/// resourceVersion), then watch from that version, resuming each ended watch from the last version seen
/// (events and bookmarks); a 410 Gone (the version was compacted away) means events were lost, so it lists
/// again. Failed lists and watches are retried with capped exponential backoff and jitter. Requests carry a
/// <c>metadata.name</c> field selector, which is what RBAC needs to allow list and watch on one resourceName.
/// </summary>
public sealed partial class ConfigMapWatcher
{
    private readonly IKubernetes _client;
    private readonly string _namespace;
    private readonly string _name;
    private readonly string _fieldSelector;
    private readonly IConfigMapConsumer _consumer;
    private readonly ConfigMapWatchOptions _options;
    private readonly ILogger _logger;
    private string? _delivered;

    public ConfigMapWatcher(IKubernetes client, string @namespace, string name, IConfigMapConsumer consumer, ConfigMapWatchOptions options, ILogger logger)
    {
        _client = client;
        _namespace = @namespace;
        _name = name;
        _fieldSelector = $"metadata.name={name}";
        _consumer = consumer;
        _options = options;
        _logger = logger;
    }

    /// <summary>Lists so far (the first and every relist after 410 Gone or a failure before the first list).</summary>
    public int Lists { get; private set; }

    /// <summary>Consecutive failed attempts; 0 after any successful list or watch.</summary>
    public int ConsecutiveFailures { get; private set; }

    /// <summary>Runs until <paramref name="stopping"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        string? resourceVersion = null;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                resourceVersion ??= await ListAsync(stopping).ConfigureAwait(false);
                resourceVersion = await WatchAsync(resourceVersion, stopping).ConfigureAwait(false);
                ConsecutiveFailures = 0;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (HttpOperationException exception) when (exception.Response.StatusCode == HttpStatusCode.Gone)
            {
                // The watch request itself was refused as too old: same as a 410 event.
                LogGone(_logger, _namespace, _name, resourceVersion);
                resourceVersion = null;
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                ConsecutiveFailures++;
                var delay = Backoff(ConsecutiveFailures);
                LogFailed(_logger, _namespace, _name, ConsecutiveFailures, (long)delay.TotalMilliseconds, Describe(exception));
                try
                {
                    await Task.Delay(delay, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Delivers the current state and returns the version to watch from.</summary>
    private async Task<string> ListAsync(CancellationToken stopping)
    {
        var list = await _client.CoreV1.ListNamespacedConfigMapAsync(_namespace, fieldSelector: _fieldSelector, cancellationToken: stopping).ConfigureAwait(false);
        Lists++;
        ConsecutiveFailures = 0;
        var item = list.Items?.FirstOrDefault(c => c.Metadata?.Name == _name);
        Deliver(item);
        return list.Metadata?.ResourceVersion ?? throw new InvalidOperationException("the ConfigMap list carried no resourceVersion");
    }

    /// <summary>One watch from <paramref name="resourceVersion"/>; returns the version to resume from, or null to relist.</summary>
    private async Task<string?> WatchAsync(string resourceVersion, CancellationToken stopping)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        // The server ends the watch after timeoutSeconds; a connection that silently died never would.
        deadline.CancelAfter(TimeSpan.FromSeconds(_options.WatchTimeoutSeconds + 30));
        Exception? streamError = null;
        var events = _client.CoreV1.WatchListNamespacedConfigMapAsync(
            _namespace, allowWatchBookmarks: true, fieldSelector: _fieldSelector, resourceVersion: resourceVersion,
            timeoutSeconds: _options.WatchTimeoutSeconds, onError: e => streamError ??= e, cancellationToken: deadline.Token);
        try
        {
            await foreach (var (type, configMap) in events.ConfigureAwait(false))
            {
                if (configMap?.Metadata?.ResourceVersion is { } version)
                {
                    resourceVersion = version;
                }
                switch (type)
                {
                    case WatchEventType.Added or WatchEventType.Modified when configMap?.Metadata?.Name == _name:
                        Deliver(configMap);
                        break;
                    case WatchEventType.Deleted when configMap?.Metadata?.Name == _name:
                        Deliver(null, version: configMap.Metadata.ResourceVersion);
                        break;
                }
                ConsecutiveFailures = 0;
            }
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            LogStalled(_logger, _namespace, _name);
            return resourceVersion;
        }
        if (streamError is KubernetesException { Status.Code: (int)HttpStatusCode.Gone })
        {
            LogGone(_logger, _namespace, _name, resourceVersion);
            return null;
        }
        if (streamError is not null)
        {
            throw new InvalidOperationException($"the watch reported an error: {Describe(streamError)}", streamError);
        }
        return resourceVersion;
    }

    /// <summary>Hands a new state to the consumer once: a relist that finds what was already delivered is no change.</summary>
    private void Deliver(V1ConfigMap? configMap, string? version = null)
    {
        var identity = configMap is null ? "absent" : "v" + configMap.Metadata?.ResourceVersion;
        if (identity == _delivered)
        {
            return;
        }
        _delivered = identity;
        var data = configMap is null ? null : (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(configMap.Data ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        var snapshot = new ConfigMapSnapshot(_namespace, _name, configMap?.Metadata?.ResourceVersion ?? version, data);
        LogChanged(_logger, snapshot.Source, snapshot.Exists ? "present" : "absent");
        try
        {
            _consumer.Apply(snapshot);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            LogConsumerFailed(_logger, snapshot.Source, exception);
        }
    }

    /// <summary>Full jitter between half and all of min(max, initial × 2^(failures−1)).</summary>
    internal TimeSpan Backoff(int failures)
    {
        var exponent = Math.Min(failures - 1, 30);
        var ceiling = Math.Min((double)_options.MaxBackoffMilliseconds, _options.InitialBackoffMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds(ceiling / 2 + (Random.Shared.NextDouble() * ceiling / 2));
    }

    private static string Describe(Exception exception) => exception switch
    {
        KubernetesException k => $"{k.Status?.Code} {k.Status?.Reason}: {k.Status?.Message}",
        HttpOperationException h => $"HTTP {(int)h.Response.StatusCode}: {h.Response.Content}",
        _ => exception.Message,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "{Source} is {State}.")]
    private static partial void LogChanged(ILogger logger, string source, string state);

    [LoggerMessage(Level = LogLevel.Information, Message = "Watch of configmap {Namespace}/{Name} from version {Version} expired (410 Gone); listing again.")]
    private static partial void LogGone(ILogger logger, string @namespace, string name, string? version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watch of configmap {Namespace}/{Name} sent nothing past its timeout; reconnecting.")]
    private static partial void LogStalled(ILogger logger, string @namespace, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "List/watch of configmap {Namespace}/{Name} failed ({Failures} in a row), retrying in {DelayMs} ms: {Reason}")]
    private static partial void LogFailed(ILogger logger, string @namespace, string name, int failures, long delayMs, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Applying {Source} failed; the previous state stays in force.")]
    private static partial void LogConsumerFailed(ILogger logger, string source, Exception exception);
}
