using Prometheus;

namespace Routing.Policy.Metrics;

/// <summary>The policy service's Prometheus metrics. Labels are low-cardinality: never a task id.</summary>
public static class PolicyMetrics
{
    /// <summary>This service's own registry: its metrics port serves it, and no other service's (<c>routing up</c> hosts four in one process).</summary>
    public static readonly CollectorRegistry Registry = Prometheus.Metrics.NewCustomRegistry();

    private static readonly IMetricFactory Factory = Prometheus.Metrics.WithCustomRegistry(Registry);

    public static readonly Histogram BatchSize = Factory.CreateHistogram(
        "routing_policy_batch_size", "Rows per ONNX Runtime run.",
        new HistogramConfiguration { LabelNames = ["version"], Buckets = Histogram.ExponentialBuckets(1, 2, 13) });

    public static readonly Gauge QueueDepth = Factory.CreateGauge(
        "routing_policy_queue_depth", "Requests waiting for a batch, per model version.", ["version"]);

    public static readonly Histogram QueueWait = Factory.CreateHistogram(
        "routing_policy_queue_wait_seconds", "Time a request waited in the batch queue.",
        new HistogramConfiguration { LabelNames = ["version"], Buckets = Histogram.ExponentialBuckets(0.000_001, 2, 22) });

    public static readonly Histogram InferenceDuration = Factory.CreateHistogram(
        "routing_policy_inference_seconds", "Duration of one ONNX Runtime run (one batch).",
        new HistogramConfiguration { LabelNames = ["version"], Buckets = Histogram.ExponentialBuckets(0.000_001, 2, 22) });

    public static readonly Counter DeadlineDrops = Factory.CreateCounter(
        "routing_policy_deadline_drops_total", "Requests dropped unrun because their deadline passed in the queue.", ["version"]);

    public static readonly Counter Decisions = Factory.CreateCounter(
        "routing_policy_decisions_total", "Routing decisions by chosen model (Routing:Policy:ModelLabels, none for a stop, else other) and reason.", ["model", "reason"]);

    public static readonly Counter Requests = Factory.CreateCounter(
        "routing_policy_requests_total", "Decisions served per model version and role (primary or canary).", ["version", "role"]);

    public static readonly Counter Errors = Factory.CreateCounter(
        "routing_policy_errors_total", "Failed route requests by gRPC status code.", ["code"]);

    public static readonly Counter RouteFailures = Factory.CreateCounter(
        "routing_policy_route_failures_total", "Route requests that failed after a model version was chosen, by version, role (primary or canary) and gRPC status code.", ["version", "role", "code"]);

    public static readonly Counter Reloads = Factory.CreateCounter(
        "routing_policy_model_reloads_total", "Model version loads by result (loaded, rejected, unchanged_rejected, removed).", ["result"]);

    public static readonly Gauge ServingVersion = Factory.CreateGauge(
        "routing_policy_serving_version", "1 for each model version serving, by role.", ["version", "role"]);

    public static readonly Counter ShadowDecisions = Factory.CreateCounter(
        "routing_policy_shadow_decisions_total", "Shadow scorings by whether the shadow version chose the served model.", ["version", "agreement"]);

    public static readonly Counter ShadowDropped = Factory.CreateCounter(
        "routing_policy_shadow_dropped_total", "Shadow scorings skipped because the shadow queue was full or the version retired.", ["version"]);
}
