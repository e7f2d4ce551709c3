namespace Routing.Kubernetes.Watching;

/// <summary>
/// Receives every new state of a watched ConfigMap, in order, one call at a time. A consumer validates what
/// it gets and keeps its previous state when it is bad; an exception is logged and the watch goes on.
/// </summary>
public interface IConfigMapConsumer
{
    void Apply(ConfigMapSnapshot snapshot);
}
