using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Routing.ServiceDefaults.Metrics;

namespace Routing.ServiceDefaults.Grpc;

/// <summary>
/// <c>grpc_client_handling_seconds</c> and <c>grpc_client_handled_total</c> for a service's unary calls to
/// other services (the executor's budget, policy and memory calls: all unary). Streaming calls pass through.
/// </summary>
public sealed class GrpcClientMetricsInterceptor(ServiceMetrics metrics) : Interceptor
{
    private readonly GrpcMethodLabels _labels = new(metrics.Factory, "client");

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        var started = Stopwatch.GetTimestamp();
        var call = continuation(request, context);
        return new AsyncUnaryCall<TResponse>(
            Observe(call.ResponseAsync, context.Method.FullName, started), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    private async Task<TResponse> Observe<TResponse>(Task<TResponse> response, string method, long started)
    {
        try
        {
            var result = await response.ConfigureAwait(false);
            _labels.Record(method, StatusCode.OK, Stopwatch.GetElapsedTime(started).TotalSeconds);
            return result;
        }
        catch (Exception exception)
        {
            _labels.Record(method, GrpcMethodLabels.CodeOf(exception), Stopwatch.GetElapsedTime(started).TotalSeconds);
            throw;
        }
    }
}
