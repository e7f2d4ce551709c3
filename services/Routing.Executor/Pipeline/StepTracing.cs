using System.Diagnostics;
using Routing.ServiceDefaults.Tracing;

namespace Routing.Executor.Pipeline;

/// <summary>
/// Puts the routing decision and its money on the span of the request that runs the step (the chat completion's
/// or the gRPC Step's server span), so a trace says which agent was chosen, why, and what the step cost in µ$.
/// Nothing happens while the request is not traced.
/// </summary>
public static class StepTracing
{
    /// <summary>Once routed and reserved, before the backend call.</summary>
    public static void Routed(PreparedStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        if (Activity.Current is not { IsAllDataRequested: true } span)
        {
            return;
        }
        span.SetTag(RoutingTelemetry.Tenant, step.Tenant);
        span.SetTag(RoutingTelemetry.TaskId, step.TaskId);
        span.SetTag(RoutingTelemetry.StepIndex, step.StepIndex);
        span.SetTag(RoutingTelemetry.DecisionAgent, step.Decision.Agent);
        span.SetTag(RoutingTelemetry.DecisionReason, step.Decision.Reason.ToString());
        span.SetTag(RoutingTelemetry.DecisionTier, (int)step.Decision.Tier);
        if (step.Decision.PolicyVersion.Length > 0)
        {
            span.SetTag(RoutingTelemetry.DecisionPolicyVersion, step.Decision.PolicyVersion);
        }
        span.SetTag(RoutingTelemetry.GenAiRequestModel, step.Agent.Model);
        span.SetTag(RoutingTelemetry.ReservedMicros, step.ReservedMicros);
    }

    /// <summary>What the step was charged: the reported usage's cost, the reservation when a failed call may have been billed, or 0.</summary>
    public static void Settled(long costMicros)
    {
        if (Activity.Current is { IsAllDataRequested: true } span)
        {
            span.SetTag(RoutingTelemetry.CostMicros, costMicros);
        }
    }
}
