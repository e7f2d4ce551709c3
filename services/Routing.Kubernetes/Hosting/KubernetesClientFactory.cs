using k8s;
using Routing.Kubernetes.Watching;

namespace Routing.Kubernetes.Hosting;

/// <summary>The API client and namespace of a watch: an explicit API server, else the pod's service account, else the kubeconfig.</summary>
public static class KubernetesClientFactory
{
    private const string ServiceAccountNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

    public static IKubernetes Create(ConfigMapWatchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = !string.IsNullOrWhiteSpace(options.ApiServer)
            ? new KubernetesClientConfiguration { Host = options.ApiServer }
            : KubernetesClientConfiguration.IsInCluster()
                ? KubernetesClientConfiguration.InClusterConfig()
                : KubernetesClientConfiguration.BuildConfigFromConfigFile();
        // Watches stay open for WatchTimeoutSeconds; the watcher bounds them itself.
        config.HttpClientTimeout = Timeout.InfiniteTimeSpan;
        return new k8s.Kubernetes(config);
    }

    /// <summary>The configured namespace, else POD_NAMESPACE, else the service account's; null when none is known.</summary>
    public static string? ResolveNamespace(ConfigMapWatchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrWhiteSpace(options.Namespace))
        {
            return options.Namespace;
        }
        if (Environment.GetEnvironmentVariable("POD_NAMESPACE") is { Length: > 0 } fromEnvironment)
        {
            return fromEnvironment;
        }
        return File.Exists(ServiceAccountNamespaceFile) ? File.ReadAllText(ServiceAccountNamespaceFile).Trim() : null;
    }
}
