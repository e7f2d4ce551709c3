using System.ComponentModel.DataAnnotations;

namespace Routing.Policy.Options;

/// <summary>Which ONNX Runtime execution provider runs the policy.</summary>
public enum ExecutionProviderKind
{
    Cpu = 0,
    Cuda = 1,
}

/// <summary>Policy service settings. Section <c>Routing:Policy</c>.</summary>
public sealed class PolicyOptions
{
    public const string SectionName = "Routing:Policy";

    /// <summary>
    /// Directory of model versions (<c>&lt;version&gt;/model.onnx</c> + <c>manifest.json</c>), watched for changes.
    /// Empty: the default heuristic model bundled with the service.
    /// </summary>
    public string? ModelDirectory { get; set; }

    /// <summary>Version that serves; empty: the newest valid version (natural order of directory names).</summary>
    [RegularExpression(@"^[A-Za-z0-9._-]{0,64}$")]
    public string? PrimaryVersion { get; set; }

    /// <summary>Version that takes <see cref="CanaryWeight"/> of the tasks (sticky per task id); empty: none.</summary>
    [RegularExpression(@"^[A-Za-z0-9._-]{0,64}$")]
    public string? CanaryVersion { get; set; }

    /// <summary>Share of tasks routed to the canary, 0 to 1.</summary>
    [Range(0.0, 1.0)]
    public double CanaryWeight { get; set; }

    /// <summary>Version scored beside every served decision without affecting it; empty: none.</summary>
    [RegularExpression(@"^[A-Za-z0-9._-]{0,64}$")]
    public string? ShadowVersion { get; set; }

    /// <summary>How often the model directory is rescanned, besides file-system notifications (which miss ConfigMap symlink swaps).</summary>
    [Range(1, 3_600)]
    public int ReloadPollSeconds { get; set; } = 5;

    public ExecutionProviderKind ExecutionProvider { get; set; } = ExecutionProviderKind.Cpu;

    [Range(0, 64)]
    public int CudaDeviceId { get; set; }

    /// <summary>When CUDA is asked for but unavailable: true serves on the CPU with a warning, false fails start-up.</summary>
    public bool FallbackToCpu { get; set; }

    /// <summary>ONNX Runtime intra-op threads per session; 1 suits small networks, where batching gives the parallelism.</summary>
    [Range(1, 256)]
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>Most requests a RouteStream call decides concurrently.</summary>
    [Range(1, 65_536)]
    public int MaxStreamInFlight { get; set; } = 1_024;

    /// <summary>
    /// Candidate names that get their own <c>model</c> label on <c>routing_policy_decisions_total</c> (the agent
    /// pool's names); any other name a caller sends is counted as <c>other</c>, so callers cannot grow the series.
    /// </summary>
    [MaxLength(256)]
    public List<string> ModelLabels { get; set; } = [];

    [Required]
    public BatchingOptions Batching { get; set; } = new();
}

/// <summary>Dynamic batching. Section <c>Routing:Policy:Batching</c>.</summary>
public sealed class BatchingOptions
{
    /// <summary>False runs every request as its own inference on the caller's thread (the benchmark's comparison).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Most rows in one ONNX Runtime run.</summary>
    [Range(1, 4_096)]
    public int MaxBatchSize { get; set; } = 256;

    /// <summary>How long a worker waits for more requests once it has some; 0 never holds a request back.</summary>
    [Range(0, 100_000)]
    public int MaxQueueDelayMicros { get; set; }

    /// <summary>Requests waiting per model version; beyond it callers get RESOURCE_EXHAUSTED.</summary>
    [Range(1, 1_000_000)]
    public int QueueCapacity { get; set; } = 8_192;

    /// <summary>Batches of one model version that may run at once (runner slots), each on its own buffers.</summary>
    [Range(1, 64)]
    public int Workers { get; set; } = 1;
}
