using System.Diagnostics;

namespace Routing.ServiceDefaults.Tracing;

/// <summary>
/// The spans Routing starts itself (backend calls; the executor tags its request spans) and the attribute names
/// they carry: OpenTelemetry's GenAI semantic conventions for the model call, <c>routing.*</c> for what only the
/// router knows (the decision and its money, integer µ$).
/// </summary>
public static class RoutingTelemetry
{
    public const string SourceName = "Routing";

    public static readonly ActivitySource Source = new(SourceName, typeof(RoutingTelemetry).Assembly.GetName().Version?.ToString());

    // GenAI semantic conventions (gen_ai.*). gen_ai.system is the older name of gen_ai.provider.name; both are set
    // so that trace back-ends on either version of the conventions group calls by provider.
    public const string GenAiOperationName = "gen_ai.operation.name";
    public const string GenAiProviderName = "gen_ai.provider.name";
    public const string GenAiSystem = "gen_ai.system";
    public const string GenAiRequestModel = "gen_ai.request.model";
    public const string GenAiRequestMaxTokens = "gen_ai.request.max_tokens";
    public const string GenAiRequestTemperature = "gen_ai.request.temperature";
    public const string GenAiResponseModel = "gen_ai.response.model";
    public const string GenAiResponseFinishReasons = "gen_ai.response.finish_reasons";
    public const string GenAiUsageInputTokens = "gen_ai.usage.input_tokens";
    public const string GenAiUsageOutputTokens = "gen_ai.usage.output_tokens";
    public const string ErrorType = "error.type";
    public const string ServerAddress = "server.address";
    public const string ServerPort = "server.port";

    // The router's own attributes.
    public const string TaskId = "routing.task_id";
    public const string Tenant = "routing.tenant";
    public const string StepIndex = "routing.step_index";
    public const string Agent = "routing.agent";
    public const string DecisionAgent = "routing.decision.agent";
    public const string DecisionReason = "routing.decision.reason";
    public const string DecisionTier = "routing.decision.tier";
    public const string DecisionPolicyVersion = "routing.decision.policy_version";
    public const string ReservedMicros = "routing.reserved_micros";
    public const string CostMicros = "routing.cost_micros";
}
