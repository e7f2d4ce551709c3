using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Routing.Contracts.Policy.V1;
using Routing.Policy.Batching;
using Routing.Policy.Grpc;
using Routing.Policy.Metrics;
using Routing.Policy.Models;
using Routing.Policy.Options;
using Routing.ServiceDefaults.Metrics;

namespace Routing.Policy.Decisions;

/// <summary>
/// One routing decision: pick the version (canary split), validate against it, infer through its batcher,
/// apply the constraints, record metrics, and score the shadow version beside it. Failures are
/// <see cref="RpcException"/>s with the status a caller can act on.
/// </summary>
public sealed class PolicyRouter(ModelRegistry registry, IOptions<PolicyOptions> options)
{
    /// <summary>A request that reaches a version retired under it is retried on the new set this many times.</summary>
    private const int Attempts = 3;

    private static readonly string[] ReasonLabels = ["unspecified", "policy", "budget_mask", "large_cap", "stop_no_model_fits"];

    /// <summary>Label of a decision that stops the task (no candidate chosen).</summary>
    private const string NoModel = "none";

    private readonly BoundedLabels _modelLabels = new([.. options.Value.ModelLabels, NoModel]);

    /// <summary>Decision counters by model label, one per reason, so a decision costs one lookup and no label array.</summary>
    private readonly ConcurrentDictionary<string, Prometheus.Counter.Child[]> _decisionCounters = new(StringComparer.Ordinal);

    public async ValueTask<RouteResponse> RouteAsync(RouteRequest request, DateTime deadline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        RequestValidation.Route(request);
        for (var attempt = 1; ; attempt++)
        {
            var set = registry.Current ?? throw new RpcException(new Status(StatusCode.Unavailable, "no policy model is loaded yet"));
            var model = set.Choose(request.TaskId, out var isCanary);
            try
            {
                var manifest = model.Manifest;
                RequestValidation.Features(request.Features, manifest.FeatureSchemaVersion, model.Session.InputWidth);
                var probabilities = new float[model.Session.OutputWidth];
                try
                {
                    await model.Batcher.InferAsync(request.Features.Values, probabilities, deadline, cancellationToken).ConfigureAwait(false);
                }
                catch (BatchRejectedException exception) when (exception.Reason == BatchRejection.Closed && attempt < Attempts)
                {
                    continue;
                }
                catch (BatchRejectedException exception)
                {
                    throw ToRpc(exception);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw new RpcException(new Status(
                        deadline <= DateTime.UtcNow ? StatusCode.DeadlineExceeded : StatusCode.Cancelled, "the call ended while the request waited for a batch"));
                }

                var lambda = request.HasCostPreference ? request.CostPreference : manifest.Thresholds.DefaultCostPreference;
                var decision = RouteDecider.Decide(probabilities, request.Candidates, request.Budget, lambda);
                var response = new RouteResponse
                {
                    RequestId = request.RequestId,
                    CandidateIndex = decision.CandidateIndex,
                    Stop = decision.CandidateIndex < 0,
                    Model = decision.CandidateIndex < 0 ? "" : request.Candidates[decision.CandidateIndex].Model,
                    Reason = decision.Reason,
                    PolicyVersion = model.Version,
                    CostPreference = lambda,
                };
                response.Probabilities.Add(probabilities);

                (isCanary ? model.CanaryRequests : model.PrimaryRequests).Inc();
                DecisionCounter(response.Stop ? NoModel : response.Model, decision.Reason).Inc();
                if (set.Shadow is { } shadow && !ReferenceEquals(shadow, model))
                {
                    _ = ScoreShadowAsync(shadow, request, decision.CandidateIndex);
                }
                return response;
            }
            catch (RpcException exception)
            {
                // Per version and role, so a canary that fails where the primary does not is visible.
                PolicyMetrics.RouteFailures.WithLabels(model.Version, isCanary ? "canary" : "primary", exception.StatusCode.ToString()).Inc();
                throw;
            }
        }
    }

    private Prometheus.Counter.Child DecisionCounter(string model, DecisionReason reason)
    {
        // Keyed by label, not by name: unknown names all share the "other" entry, so the cache stays bounded too.
        var label = _modelLabels.For(model);
        if (!_decisionCounters.TryGetValue(label, out var counters))
        {
            counters = new Prometheus.Counter.Child[ReasonLabels.Length];
            for (var r = 0; r < counters.Length; r++)
            {
                counters[r] = PolicyMetrics.Decisions.WithLabels(label, ReasonLabels[r]);
            }
            _decisionCounters.TryAdd(label, counters);
        }
        return counters[(int)reason];
    }

    /// <summary>The shadow version decides the same request; only agreement is recorded, never served.</summary>
    private static async Task ScoreShadowAsync(LoadedModel shadow, RouteRequest request, int servedIndex)
    {
        if (shadow.Manifest.FeatureSchemaVersion != request.Features.SchemaVersion || shadow.Session.InputWidth != request.Features.Values.Count)
        {
            PolicyMetrics.ShadowDropped.WithLabels(shadow.Version).Inc();
            return;
        }
        var probabilities = new float[shadow.Session.OutputWidth];
        try
        {
            await shadow.Batcher.InferAsync(request.Features.Values, probabilities, DateTime.MaxValue, CancellationToken.None).ConfigureAwait(false);
        }
        catch (BatchRejectedException)
        {
            PolicyMetrics.ShadowDropped.WithLabels(shadow.Version).Inc();
            return;
        }
        var lambda = request.HasCostPreference ? request.CostPreference : shadow.Manifest.Thresholds.DefaultCostPreference;
        var decision = RouteDecider.Decide(probabilities, request.Candidates, request.Budget, lambda);
        PolicyMetrics.ShadowDecisions.WithLabels(shadow.Version, decision.CandidateIndex == servedIndex ? "agree" : "disagree").Inc();
    }

    private static RpcException ToRpc(BatchRejectedException exception) => exception.Reason switch
    {
        BatchRejection.QueueFull => new RpcException(new Status(StatusCode.ResourceExhausted, exception.Message)),
        BatchRejection.DeadlineExceeded => new RpcException(new Status(StatusCode.DeadlineExceeded, exception.Message)),
        BatchRejection.Closed => new RpcException(new Status(StatusCode.Unavailable, exception.Message)),
        _ => new RpcException(new Status(StatusCode.Internal, exception.Message)),
    };
}
