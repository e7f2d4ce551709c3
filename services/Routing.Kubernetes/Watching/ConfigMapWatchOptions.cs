using System.ComponentModel.DataAnnotations;

namespace Routing.Kubernetes.Watching;

/// <summary>
/// One ConfigMap watch. Bound from the section its user names (the policy's <c>Routing:Policy:Rollout</c>,
/// the executor's agent pool section); an empty <see cref="ConfigMap"/> leaves the watch off.
/// </summary>
public sealed class ConfigMapWatchOptions
{
    /// <summary>Name of the ConfigMap to watch; empty: no watch (static configuration only).</summary>
    [RegularExpression(@"^$|^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")]
    public string? ConfigMap { get; set; }

    /// <summary>Namespace of the ConfigMap; empty: the pod's own (POD_NAMESPACE, else the service account's namespace file).</summary>
    [RegularExpression(@"^$|^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    public string? Namespace { get; set; }

    /// <summary>
    /// API server URL; empty: the in-cluster service account, else the local kubeconfig. Set for a local
    /// API server or proxy (<c>kubectl proxy</c>, tests).
    /// </summary>
    [Url]
    public string? ApiServer { get; set; }

    /// <summary>Seconds the API server keeps one watch open before it ends it (the watcher then resumes from the last version).</summary>
    [Range(1, 3_600)]
    public int WatchTimeoutSeconds { get; set; } = 300;

    /// <summary>First delay after a failed list or watch; doubles per consecutive failure.</summary>
    [Range(1, 600_000)]
    public int InitialBackoffMilliseconds { get; set; } = 500;

    /// <summary>Longest delay between attempts while the API server keeps failing.</summary>
    [Range(1, 600_000)]
    public int MaxBackoffMilliseconds { get; set; } = 30_000;

    public bool Enabled => !string.IsNullOrWhiteSpace(ConfigMap);
}
