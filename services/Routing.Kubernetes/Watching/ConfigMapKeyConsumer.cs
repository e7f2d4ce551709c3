using Microsoft.Extensions.Logging;
namespace Routing.Kubernetes.Watching;

/// <summary>
/// Hands one key of a ConfigMap (a whole document, such as <c>agents.json</c>) to <c>apply(text, source)</c>.
/// A deleted ConfigMap or a missing key is logged and the previous document stays in force: losing the
/// object must not empty what the service runs with.
/// </summary>
public sealed partial class ConfigMapKeyConsumer(string key, Action<string, string> apply, ILogger logger) : IConfigMapConsumer
{
    public void Apply(ConfigMapSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.Data is null)
        {
            LogAbsent(logger, snapshot.Source, key);
            return;
        }
        if (!snapshot.Data.TryGetValue(key, out var text))
        {
            LogKeyMissing(logger, snapshot.Source, key);
            return;
        }
        apply(text, $"{snapshot.Source} key {key}");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Source} does not exist; the last applied {Key} stays in force.")]
    private static partial void LogAbsent(ILogger logger, string source, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Source} has no key {Key}; the last applied document stays in force.")]
    private static partial void LogKeyMissing(ILogger logger, string source, string key);
}
