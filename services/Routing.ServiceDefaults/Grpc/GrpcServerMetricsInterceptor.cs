using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Routing.ServiceDefaults.Metrics;

namespace Routing.ServiceDefaults.Grpc;

/// <summary>
/// <c>grpc_server_handling_seconds</c> and <c>grpc_server_handled_total</c> for every call a service serves.
/// Registered first, so it is outermost and sees the status that other interceptors mapped a failure to.
/// </summary>
public sealed class GrpcServerMetricsInterceptor(ServiceMetrics metrics) : Interceptor
{
    private readonly GrpcMethodLabels _labels = new(metrics.Factory, "server");

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await continuation(request, context);
            Record(context, started, null);
            return response;
        }
        catch (Exception exception)
        {
            Record(context, started, exception);
            throw;
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await continuation(requestStream, context);
            Record(context, started, null);
            return response;
        }
        catch (Exception exception)
        {
            Record(context, started, exception);
            throw;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        var started = Stopwatch.GetTimestamp();
        try
        {
            await continuation(request, responseStream, context);
            Record(context, started, null);
        }
        catch (Exception exception)
        {
            Record(context, started, exception);
            throw;
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        var started = Stopwatch.GetTimestamp();
        try
        {
            await continuation(requestStream, responseStream, context);
            Record(context, started, null);
        }
        catch (Exception exception)
        {
            Record(context, started, exception);
            throw;
        }
    }

    /// <summary>A handler may also end a call by setting <see cref="ServerCallContext.Status"/> without throwing.</summary>
    private void Record(ServerCallContext context, long started, Exception? exception)
    {
        var code = exception is null ? context.Status.StatusCode : GrpcMethodLabels.CodeOf(exception);
        _labels.Record(context.Method, code, Stopwatch.GetElapsedTime(started).TotalSeconds);
    }
}
