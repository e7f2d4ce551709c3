using Prometheus;

namespace Routing.Budget.Metrics;

/// <summary>The budget service's Prometheus metrics. Labels are low-cardinality: never a task id.</summary>
public static class BudgetMetrics
{
    public static readonly Counter Reservations = Prometheus.Metrics.CreateCounter(
        "routing_budget_reservations_total", "Reserve calls by result.", "result");

    public static readonly Counter CommittedMicros = Prometheus.Metrics.CreateCounter(
        "routing_budget_committed_micros_total", "Committed spend in micro-dollars by tenant (bounded label set).", "tenant");

    public static readonly Counter Overruns = Prometheus.Metrics.CreateCounter(
        "routing_budget_overruns_total",
        "Commits whose actual cost was not covered by a live reservation (above it, after lease expiry or task close).",
        "kind");

    public static readonly Counter OverrunMicros = Prometheus.Metrics.CreateCounter(
        "routing_budget_overrun_micros_total", "Spend in micro-dollars recorded beyond reservations.");

    public static readonly Counter LeaseExpiries = Prometheus.Metrics.CreateCounter(
        "routing_budget_lease_expiries_total", "Reservations whose lease ran out before a commit or release.");

    public static readonly Counter Errors = Prometheus.Metrics.CreateCounter(
        "routing_budget_errors_total", "Failed budget calls by gRPC status code.", "method", "code");

    public static readonly Histogram ScriptDuration = Prometheus.Metrics.CreateHistogram(
        "routing_budget_script_duration_seconds", "Round trip of one ledger script to Redis.",
        new HistogramConfiguration
        {
            LabelNames = ["script"],
            Buckets = Histogram.ExponentialBuckets(0.000_05, 2, 16),
        });
}
