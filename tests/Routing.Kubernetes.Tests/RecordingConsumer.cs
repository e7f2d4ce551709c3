using Routing.Kubernetes.Watching;

namespace Routing.Kubernetes.Tests;

/// <summary>Keeps every snapshot a watcher delivered, in order.</summary>
internal sealed class RecordingConsumer : IConfigMapConsumer
{
    private readonly Lock _gate = new();
    private readonly List<ConfigMapSnapshot> _seen = [];

    public IReadOnlyList<ConfigMapSnapshot> Seen
    {
        get
        {
            lock (_gate)
            {
                return [.. _seen];
            }
        }
    }

    public ConfigMapSnapshot? Last => Seen.LastOrDefault();

    public void Apply(ConfigMapSnapshot snapshot)
    {
        lock (_gate)
        {
            _seen.Add(snapshot);
        }
    }
}
