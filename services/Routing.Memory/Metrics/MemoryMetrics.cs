using Prometheus;

namespace Routing.Memory.Metrics;

/// <summary>The memory service's Prometheus metrics. Labels are low-cardinality: never an auction id.</summary>
public static class MemoryMetrics
{
    /// <summary>This service's own registry: its metrics port serves it, and no other service's (<c>routing up</c> hosts four in one process).</summary>
    public static readonly CollectorRegistry Registry = Prometheus.Metrics.NewCustomRegistry();

    private static readonly IMetricFactory Factory = Prometheus.Metrics.WithCustomRegistry(Registry);

    public static readonly Gauge Records = Factory.CreateGauge(
        "routing_memory_records", "Auctions in this replica's index by tenant (bounded label set).", ["tenant"]);

    public static readonly Counter Recorded = Factory.CreateCounter(
        "routing_memory_auctions_recorded_total", "RecordAuction calls by result (created, replayed).", ["result"]);

    public static readonly Counter Evictions = Factory.CreateCounter(
        "routing_memory_evictions_total", "Auctions removed by reason: cap (oldest beyond the per-tenant cap) or ttl.", ["reason"]);

    public static readonly Histogram RetrievalDuration = Factory.CreateHistogram(
        "routing_memory_retrieval_duration_seconds", "RetrieveContrastive: index search plus fetching the auctions from Redis.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.000_05, 2, 16) });

    public static readonly Histogram SearchDuration = Factory.CreateHistogram(
        "routing_memory_search_duration_seconds", "The in-memory similarity search alone.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.000_01, 2, 16) });

    public static readonly Histogram RebuildDuration = Factory.CreateHistogram(
        "routing_memory_index_rebuild_duration_seconds", "Loading the whole index from Redis (start-up, or after falling behind the change log).",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.01, 2, 14) });

    public static readonly Histogram ReplicationLag = Factory.CreateHistogram(
        "routing_memory_replication_lag_seconds", "From an auction's write (by any replica) to this replica indexing it from the change log.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.005, 2, 12) });

    public static readonly Gauge AppliedChange = Factory.CreateGauge(
        "routing_memory_applied_change", "The change tick up to which this replica applied every announced tenant's change log.");

    public static readonly Counter Errors = Factory.CreateCounter(
        "routing_memory_errors_total", "Failed memory calls by gRPC status code.", ["method", "code"]);

    public static readonly Histogram ScriptDuration = Factory.CreateHistogram(
        "routing_memory_script_duration_seconds", "Round trip of one memory script to Redis.",
        new HistogramConfiguration
        {
            LabelNames = ["script"],
            Buckets = Histogram.ExponentialBuckets(0.000_05, 2, 16),
        });
}
