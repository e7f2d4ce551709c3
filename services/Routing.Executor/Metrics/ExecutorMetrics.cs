using Prometheus;

namespace Routing.Executor.Metrics;

/// <summary>The executor's metrics. Names and labels are fixed: alerts and dashboards depend on them.</summary>
public static class ExecutorMetrics
{
    /// <summary>Labels of <see cref="Steps"/>.</summary>
    public static class StepResult
    {
        public const string Ok = "ok";
        public const string BudgetExhausted = "budget_exhausted";
        public const string BackendError = "backend_error";
        public const string Refused = "refused";
        public const string Invalid = "invalid";
    }

    public static readonly Counter Steps = Prometheus.Metrics.CreateCounter(
        "routing_executor_steps_total", "Steps by result.", "result");

    public static readonly Counter BackendRequests = Prometheus.Metrics.CreateCounter(
        "routing_executor_backend_requests_total", "Backend calls by agent and result (ok|timeout|unavailable|bad_response|rejected).", "agent", "result");

    public static readonly Counter PolicyFallbacks = Prometheus.Metrics.CreateCounter(
        "routing_executor_policy_fallbacks_total", "Steps routed to the fallback agent because the policy service did not answer.");

    public static readonly Histogram StepAddedLatency = Prometheus.Metrics.CreateHistogram(
        "routing_executor_step_added_latency_seconds",
        "Time a step spends in the executor, excluding the backend call (routing, budget, state, log).",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0001, 2, 16) });

    public static readonly Counter BudgetUnavailable = Prometheus.Metrics.CreateCounter(
        "routing_executor_budget_unavailable_total", "Budget service calls that failed as unavailable (steps refused, or commits retried).");

    public static readonly Counter Errors = Prometheus.Metrics.CreateCounter(
        "routing_executor_grpc_errors_total", "Failed gRPC calls by method and status code.", "method", "code");

    public static readonly Counter EpisodeLogErrors = Prometheus.Metrics.CreateCounter(
        "routing_executor_episode_log_errors_total", "Episode-log writes that failed (the step itself succeeded).");

    public static readonly Counter AnswerStoreFailures = Prometheus.Metrics.CreateCounter(
        "routing_executor_answer_store_failures_total", "Failed attempts to store a backend's answer ahead of its commit (Redis away); each is retried.");

    public static readonly Counter ParkedCommits = Prometheus.Metrics.CreateCounter(
        "routing_executor_parked_commits_total", "Commits that failed after a paid backend call and were parked for the background retrier.");

    public static readonly Gauge ParkedCommitsPending = Prometheus.Metrics.CreateGauge(
        "routing_executor_parked_commits_pending", "Parked commits not yet recorded by the budget service (one Redis list shared by every replica), read after each retry pass.");
}
