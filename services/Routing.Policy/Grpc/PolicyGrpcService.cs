using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Routing.Contracts.Policy.V1;
using Routing.Policy.Decisions;
using Routing.Policy.Metrics;
using Routing.Policy.Models;
using Routing.Policy.Options;

namespace Routing.Policy.Grpc;

public sealed class PolicyGrpcService(PolicyRouter router, ModelRegistry registry, IOptions<PolicyOptions> options) : PolicyService.PolicyServiceBase
{
    private readonly PolicyOptions _options = options.Value;

    public override async Task<RouteResponse> Route(RouteRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            return await router.RouteAsync(request, context.Deadline, context.CancellationToken).ConfigureAwait(false);
        }
        catch (RpcException exception)
        {
            PolicyMetrics.Errors.WithLabels(exception.StatusCode.ToString()).Inc();
            throw;
        }
    }

    /// <summary>Requests are decided concurrently (up to MaxStreamInFlight) and answered as they finish.</summary>
    public override async Task RouteStream(IAsyncStreamReader<RouteRequest> requestStream, IServerStreamWriter<RouteResponse> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        var answers = Channel.CreateUnbounded<RouteResponse>(new UnboundedChannelOptions { SingleReader = true });
        var writer = WriteAllAsync(answers.Reader, responseStream);
        var limit = _options.MaxStreamInFlight;
        using var inFlight = new SemaphoreSlim(limit, limit);
        ExceptionDispatchInfo? failure = null;
        try
        {
            while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
            {
                await inFlight.WaitAsync(context.CancellationToken).ConfigureAwait(false);
                _ = AnswerAsync(requestStream.Current, answers.Writer, inFlight, context);
            }
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            failure = ExceptionDispatchInfo.Capture(exception);
        }

        // Every request read gets its answer (or, when the call is ending, its cancellation) before the stream closes.
        for (var i = 0; i < limit; i++)
        {
            await inFlight.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        answers.Writer.TryComplete();
        try
        {
            await writer.ConfigureAwait(false);
        }
        catch (Exception) when (failure is not null)
        {
            // The call is already failing; the reader's exception is the one to report.
        }
        failure?.Throw();
    }

    public override Task<PolicyInfo> GetPolicyInfo(GetPolicyInfoRequest request, ServerCallContext context)
    {
        var set = registry.Current ?? throw new RpcException(new Status(StatusCode.Unavailable, "no policy model is loaded yet"));
        var info = new PolicyInfo
        {
            ModelDirectory = registry.Directory,
            MaxBatchSize = _options.Batching.Enabled ? _options.Batching.MaxBatchSize : 1,
            MaxQueueDelayMicros = _options.Batching.MaxQueueDelayMicros,
            QueueCapacity = _options.Batching.QueueCapacity,
        };
        info.Versions.Add(Describe(set.Primary, "primary", 1 - set.CanaryWeight));
        if (set.Canary is { } canary)
        {
            info.Versions.Add(Describe(canary, "canary", set.CanaryWeight));
        }
        if (set.Shadow is { } shadow)
        {
            info.Versions.Add(Describe(shadow, "shadow", 0));
        }
        foreach (var rejected in set.Rejected)
        {
            info.Rejected.Add(new RejectedVersion { Version = rejected.Version, Reason = rejected.Reason });
        }
        return Task.FromResult(info);
    }

    private async Task AnswerAsync(RouteRequest request, ChannelWriter<RouteResponse> answers, SemaphoreSlim inFlight, ServerCallContext context)
    {
        try
        {
            RouteResponse answer;
            try
            {
                answer = await router.RouteAsync(request, context.Deadline, context.CancellationToken).ConfigureAwait(false);
            }
            catch (RpcException exception)
            {
                PolicyMetrics.Errors.WithLabels(exception.StatusCode.ToString()).Inc();
                answer = new RouteResponse
                {
                    RequestId = request.RequestId,
                    CandidateIndex = -1,
                    Error = new RouteError { Code = (int)exception.StatusCode, Message = exception.Status.Detail },
                };
            }
            answers.TryWrite(answer);
        }
        finally
        {
            inFlight.Release();
        }
    }

    private static async Task WriteAllAsync(ChannelReader<RouteResponse> answers, IServerStreamWriter<RouteResponse> stream)
    {
        await foreach (var answer in answers.ReadAllAsync().ConfigureAwait(false))
        {
            await stream.WriteAsync(answer).ConfigureAwait(false);
        }
    }

    private static ModelVersionInfo Describe(LoadedModel model, string role, double weight)
    {
        var info = new ModelVersionInfo
        {
            Version = model.Version,
            Role = role,
            TrafficWeight = weight,
            FeatureSchemaVersion = model.Manifest.FeatureSchemaVersion,
            FeatureWidth = model.Session.InputWidth,
            Kind = model.Manifest.Kind,
            Description = model.Manifest.Description,
            DefaultCostPreference = model.Manifest.Thresholds.DefaultCostPreference,
            ModelSha256 = model.Sha256,
            ExecutionProvider = model.Session.ExecutionProvider,
        };
        info.ActionClasses.Add(model.Manifest.Outputs[0].Classes ?? []);
        return info;
    }
}
