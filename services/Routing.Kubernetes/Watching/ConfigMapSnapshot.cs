namespace Routing.Kubernetes.Watching;

/// <summary>
/// The watched ConfigMap as the API server last reported it: its data, or <c>null</c> data when it does not
/// exist (never created, or deleted).
/// </summary>
public sealed record ConfigMapSnapshot(string Namespace, string Name, string? ResourceVersion, IReadOnlyDictionary<string, string>? Data)
{
    public bool Exists => Data is not null;

    /// <summary>Where a value came from, for logs and for consumers that record their source.</summary>
    public string Source => $"configmap {Namespace}/{Name}@{ResourceVersion ?? "-"}";
}
