using Prometheus;

namespace Routing.Executor.Metrics;

/// <summary>The executor's metrics. Names and labels are fixed: alerts and dashboards depend on them.</summary>
public static class ExecutorMetrics
{
    /// <summary>This service's own registry: its metrics port serves it, and no other service's (<c>routing up</c> hosts four in one process).</summary>
    public static readonly CollectorRegistry Registry = Prometheus.Metrics.NewCustomRegistry();

    private static readonly IMetricFactory Factory = Prometheus.Metrics.WithCustomRegistry(Registry);

    /// <summary>Labels of <see cref="Steps"/>.</summary>
    public static class StepResult
    {
        public const string Ok = "ok";
        public const string BudgetExhausted = "budget_exhausted";
        public const string BackendError = "backend_error";
        public const string Refused = "refused";
        public const string Invalid = "invalid";
    }

    public static readonly Counter Steps = Factory.CreateCounter(
        "routing_executor_steps_total", "Steps by result.", ["result"]);

    public static readonly Counter BackendRequests = Factory.CreateCounter(
        "routing_executor_backend_requests_total", "Backend calls by agent and result (ok|timeout|unavailable|bad_response|rejected).", ["agent", "result"]);

    public static readonly Counter PolicyFallbacks = Factory.CreateCounter(
        "routing_executor_policy_fallbacks_total", "Steps routed to the fallback agent because the policy service did not answer.");

    public static readonly Histogram StepAddedLatency = Factory.CreateHistogram(
        "routing_executor_step_added_latency_seconds",
        "Time a step spends in the executor, excluding the backend call (routing, budget, state, log).",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0001, 2, 16) });

    public static readonly Counter BudgetUnavailable = Factory.CreateCounter(
        "routing_executor_budget_unavailable_total", "Budget service calls that failed as unavailable (steps refused, or commits retried).");

    public static readonly Counter Errors = Factory.CreateCounter(
        "routing_executor_grpc_errors_total", "Failed gRPC calls by method and status code.", ["method", "code"]);

    public static readonly Counter EpisodeLogErrors = Factory.CreateCounter(
        "routing_executor_episode_log_errors_total", "Episode-log writes that failed (the step itself succeeded).");

    public static readonly Counter AnswerStoreFailures = Factory.CreateCounter(
        "routing_executor_answer_store_failures_total", "Failed attempts to store a backend's answer ahead of its commit (Redis away); each is retried.");

    public static readonly Counter ParkedCommits = Factory.CreateCounter(
        "routing_executor_parked_commits_total", "Commits that failed after a paid backend call and were parked for the background retrier.");

    public static readonly Gauge ParkedCommitsPending = Factory.CreateGauge(
        "routing_executor_parked_commits_pending", "Parked commits not yet recorded by the budget service (one Redis list shared by every replica), read after each retry pass.");

    /// <summary>Tokens by agent (a pool name) and kind: input (all prompt tokens), cached (the part read from the prompt cache), output (billed).</summary>
    public static readonly Counter AgentTokens = Factory.CreateCounter(
        "routing_executor_agent_tokens_total", "Tokens backends reported, by agent and kind (input, cached: part of input, output).", ["agent", "kind"]);

    public static readonly Counter AgentSpendMicros = Factory.CreateCounter(
        "routing_executor_agent_spend_micros_total", "Spend committed for backend calls in micro-dollars, by agent (a failed call that may have been billed commits its reservation).", ["agent"]);

    public static readonly Histogram AgentBackendDuration = Factory.CreateHistogram(
        "routing_executor_agent_backend_seconds", "Backend call duration by agent and result (ok, or the failure of backend_requests_total).",
        new HistogramConfiguration { LabelNames = ["agent", "result"], Buckets = Histogram.ExponentialBuckets(0.01, 2, 15) });

    public static readonly Histogram HttpRequestDuration = Factory.CreateHistogram(
        "routing_executor_http_request_duration_seconds",
        "OpenAI/Anthropic-compatible HTTP requests by route template (other for unmatched paths), method and status code; streams until their last byte.",
        new HistogramConfiguration { LabelNames = ["route", "method", "code"], Buckets = Histogram.ExponentialBuckets(0.001, 2, 18) });

    /// <summary>One finished backend call of <paramref name="agent"/> (a name from the agent pool, so the label set is the pool's).</summary>
    public static void RecordBackendCall(string agent, string result, TimeSpan elapsed, Backends.ChatUsage? usage, long spendMicros)
    {
        BackendRequests.WithLabels(agent, result).Inc();
        AgentBackendDuration.WithLabels(agent, result).Observe(elapsed.TotalSeconds);
        if (usage is { } tokens)
        {
            AgentTokens.WithLabels(agent, "input").Inc(Math.Max(0, tokens.PromptTokens));
            AgentTokens.WithLabels(agent, "cached").Inc(Math.Max(0, tokens.CachedPromptTokens));
            AgentTokens.WithLabels(agent, "output").Inc(tokens.BilledOutputTokens);
        }
        if (spendMicros > 0)
        {
            AgentSpendMicros.WithLabels(agent).Inc(spendMicros);
        }
    }
}
