using k8s;
using k8s.Models;

namespace Routing.Kubernetes.ManifestCheck;

/// <summary>
/// A custom resource the client has no model for (the Prometheus Operator's kinds): metadata is typed and
/// checked, the spec is kept as parsed YAML.
/// </summary>
public sealed class CustomResource : KubernetesObject, IMetadata<V1ObjectMeta>
{
    public V1ObjectMeta Metadata { get; set; } = new();

    public Dictionary<string, object>? Spec { get; set; }
}
