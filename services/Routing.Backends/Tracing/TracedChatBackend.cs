using System.Diagnostics;
using System.Runtime.CompilerServices;
using Routing.Backends.Pool;
using Routing.ServiceDefaults.Tracing;

namespace Routing.Backends.Tracing;

/// <summary>
/// A GenAI client span (OpenTelemetry semantic conventions, <c>chat {model}</c>) around each call of an agent's
/// backend, with the usage the backend reported and what it cost in µ$. The backend's HTTP request runs inside the
/// span, so its <c>traceparent</c> names this span as the parent. Applied where calls are made (steps, auctions),
/// not inside the pool, so the pool still hands out the backends it built. Costs nothing while nobody listens.
/// </summary>
public sealed class TracedChatBackend(AgentDefinition agent, IChatBackend inner) : IChatBackend
{
    public async Task<ChatResult> CompleteAsync(ChatCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        using var activity = Start(call);
        try
        {
            var result = await inner.CompleteAsync(call, cancellationToken);
            Finish(activity, result.Usage, result.FinishReason, result.BackendModel);
            return result;
        }
        catch (Exception e)
        {
            Fail(activity, e);
            throw;
        }
    }

    public async IAsyncEnumerable<ChatChunk> StreamAsync(ChatCall call, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        using var activity = Start(call);
        ChatUsage? usage = null;
        string? finishReason = null;
        await foreach (var chunk in inner.StreamAsync(call, cancellationToken).OnFailure(e => Fail(activity, e), cancellationToken))
        {
            usage = chunk.Usage ?? usage;
            finishReason = chunk.FinishReason ?? finishReason;
            yield return chunk;
        }
        // A caller that stops reading ends the span here too (the using), without usage: none was reported.
        if (usage is { } reported)
        {
            Finish(activity, reported, finishReason, null);
        }
    }

    /// <summary>The provider as the conventions name it: the API the agent speaks, or the in-process simulator.</summary>
    public static string ProviderName(AgentDefinition agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return SimulatorEndpoint.IsSimulator(agent.Endpoint) ? "routing.simulator"
            : agent.Api == AgentApi.Anthropic ? "anthropic"
            : "openai";
    }

    private Activity? Start(ChatCall call)
    {
        var activity = RoutingTelemetry.Source.StartActivity($"chat {call.Model}", ActivityKind.Client);
        if (activity is not { IsAllDataRequested: true })
        {
            return activity;
        }
        var provider = ProviderName(agent);
        activity.SetTag(RoutingTelemetry.GenAiOperationName, "chat");
        activity.SetTag(RoutingTelemetry.GenAiProviderName, provider);
        activity.SetTag(RoutingTelemetry.GenAiSystem, provider);
        activity.SetTag(RoutingTelemetry.GenAiRequestModel, call.Model);
        activity.SetTag(RoutingTelemetry.GenAiRequestMaxTokens, call.MaxTokens);
        if (call.Temperature is { } temperature)
        {
            activity.SetTag(RoutingTelemetry.GenAiRequestTemperature, temperature);
        }
        if (agent.Endpoint.IsAbsoluteUri && !string.IsNullOrEmpty(agent.Endpoint.Host))
        {
            activity.SetTag(RoutingTelemetry.ServerAddress, agent.Endpoint.Host);
            activity.SetTag(RoutingTelemetry.ServerPort, agent.Endpoint.Port);
        }
        activity.SetTag(RoutingTelemetry.Agent, agent.Name);
        if (call.TaskId is { } taskId)
        {
            activity.SetTag(RoutingTelemetry.TaskId, taskId);
        }
        return activity;
    }

    private void Finish(Activity? activity, ChatUsage usage, string? finishReason, string? responseModel)
    {
        if (activity is not { IsAllDataRequested: true })
        {
            return;
        }
        activity.SetTag(RoutingTelemetry.GenAiUsageInputTokens, usage.PromptTokens);
        activity.SetTag(RoutingTelemetry.GenAiUsageOutputTokens, usage.CompletionTokens);
        if (!string.IsNullOrEmpty(finishReason))
        {
            activity.SetTag(RoutingTelemetry.GenAiResponseFinishReasons, new[] { finishReason });
        }
        if (!string.IsNullOrEmpty(responseModel))
        {
            activity.SetTag(RoutingTelemetry.GenAiResponseModel, responseModel);
        }
        activity.SetTag(RoutingTelemetry.CostMicros, agent.CostMicros(usage));
    }

    private static void Fail(Activity? activity, Exception error)
    {
        if (activity is null)
        {
            return;
        }
        // The conventions' error.type: the failure's class (timeout, unavailable…) where the backend said, else the exception type.
        var type = error is BackendException backend ? backend.Failure.ToString().ToLowerInvariant() : error.GetType().FullName;
        activity.SetTag(RoutingTelemetry.ErrorType, type);
        activity.SetStatus(ActivityStatusCode.Error, error.Message);
    }
}
