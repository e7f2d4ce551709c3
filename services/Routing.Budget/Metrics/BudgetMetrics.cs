using Prometheus;

namespace Routing.Budget.Metrics;

/// <summary>The budget service's Prometheus metrics. Labels are low-cardinality: never a task id.</summary>
public static class BudgetMetrics
{
    /// <summary>This service's own registry: its metrics port serves it, and no other service's (<c>routing up</c> hosts four in one process).</summary>
    public static readonly CollectorRegistry Registry = Prometheus.Metrics.NewCustomRegistry();

    private static readonly IMetricFactory Factory = Prometheus.Metrics.WithCustomRegistry(Registry);

    public static readonly Counter Reservations = Factory.CreateCounter(
        "routing_budget_reservations_total", "Reserve calls by result.", ["result"]);

    public static readonly Counter CommittedMicros = Factory.CreateCounter(
        "routing_budget_committed_micros_total", "Committed spend in micro-dollars by tenant (bounded label set).", ["tenant"]);

    public static readonly Counter Overruns = Factory.CreateCounter(
        "routing_budget_overruns_total",
        "Commits whose actual cost was not covered by a live reservation (above it, after lease expiry or task close).", ["kind"]);

    public static readonly Counter OverrunMicros = Factory.CreateCounter(
        "routing_budget_overrun_micros_total", "Spend in micro-dollars recorded beyond reservations.");

    public static readonly Counter LeaseExpiries = Factory.CreateCounter(
        "routing_budget_lease_expiries_total", "Reservations whose lease ran out before a commit or release.");

    public static readonly Counter Errors = Factory.CreateCounter(
        "routing_budget_errors_total", "Failed budget calls by gRPC status code.", ["method", "code"]);

    public static readonly Histogram ScriptDuration = Factory.CreateHistogram(
        "routing_budget_script_duration_seconds", "Round trip of one ledger script to Redis.",
        new HistogramConfiguration
        {
            LabelNames = ["script"],
            Buckets = Histogram.ExponentialBuckets(0.000_05, 2, 16),
        });
}
