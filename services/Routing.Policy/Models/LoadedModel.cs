using Routing.Onnx;
using Routing.Policy.Batching;
using Routing.Policy.Inference;
using Routing.Policy.Metrics;

namespace Routing.Policy.Models;

/// <summary>A validated model version with its session and batcher.</summary>
public sealed class LoadedModel : IAsyncDisposable
{
    internal LoadedModel(string version, string directory, ModelManifest manifest, PolicySession session, DynamicBatcher batcher, string sha256, string fingerprint)
    {
        Version = version;
        Directory = directory;
        Manifest = manifest;
        Session = session;
        Batcher = batcher;
        Sha256 = sha256;
        Fingerprint = fingerprint;
        PrimaryRequests = PolicyMetrics.Requests.WithLabels(version, "primary");
        CanaryRequests = PolicyMetrics.Requests.WithLabels(version, "canary");
    }

    public string Version { get; }

    public string Directory { get; }

    public ModelManifest Manifest { get; }

    public PolicySession Session { get; }

    public DynamicBatcher Batcher { get; }

    /// <summary>SHA-256 of model.onnx, lower-case hex.</summary>
    public string Sha256 { get; }

    internal Prometheus.Counter.Child PrimaryRequests { get; }

    internal Prometheus.Counter.Child CanaryRequests { get; }

    /// <summary>Sizes and write times of the two files, to notice a change without rehashing.</summary>
    internal string Fingerprint { get; }

    /// <summary>Answers what is queued, then frees the session.</summary>
    public async ValueTask DisposeAsync()
    {
        await Batcher.ShutdownAsync().ConfigureAwait(false);
        Session.Dispose();
    }
}
