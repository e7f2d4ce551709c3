using Grpc.Core;
using Grpc.Core.Interceptors;
using Prometheus;
using StackExchange.Redis;

namespace Routing.ServiceDefaults.Grpc;

/// <summary>What a service tells its callers when its Redis fails, and where it counts failed calls.</summary>
/// <param name="UnavailableMessage">Start of the <c>Unavailable</c> message: what is down and whether a retry is safe.</param>
/// <param name="InternalMessage">Start of the <c>Internal</c> message for a script or command error.</param>
/// <param name="Errors">Counter with the labels <c>method</c> and <c>code</c>.</param>
public sealed record StorageErrorPolicy(string UnavailableMessage, string InternalMessage, Counter Errors);

/// <summary>
/// Turns Redis failures into <c>Unavailable</c> (the caller may retry: a service only answers after Redis
/// recorded the change) and counts every failed call by method and status code.
/// </summary>
public sealed class StorageErrorInterceptor(StorageErrorPolicy policy) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            return await continuation(request, context);
        }
        catch (RpcException exception)
        {
            Count(context, exception.StatusCode);
            throw;
        }
        catch (Exception exception) when (IsUnavailable(exception))
        {
            Count(context, StatusCode.Unavailable);
            throw new RpcException(new Status(StatusCode.Unavailable,
                $"{policy.UnavailableMessage} ({exception.GetType().Name}: {exception.Message})"));
        }
        catch (RedisException exception)
        {
            Count(context, StatusCode.Internal);
            throw new RpcException(new Status(StatusCode.Internal, $"{policy.InternalMessage}: {exception.Message}"));
        }
    }

    /// <summary>
    /// Connection and timeout failures, the replies of a Redis that is restarting or failing over, and OOM: a
    /// full Redis with noeviction refuses writes rather than evicting (the message, which names maxmemory, is
    /// passed on so the caller sees why).
    /// </summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        RedisConnectionException or RedisTimeoutException => true,
        RedisServerException server => server.Message.StartsWith("LOADING", StringComparison.Ordinal)
            || server.Message.StartsWith("BUSY", StringComparison.Ordinal)
            || server.Message.StartsWith("MASTERDOWN", StringComparison.Ordinal)
            || server.Message.StartsWith("READONLY", StringComparison.Ordinal)
            || server.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal)
            || server.Message.StartsWith("OOM", StringComparison.Ordinal),
        _ => false,
    };

    private void Count(ServerCallContext context, StatusCode code)
    {
        var method = context.Method;
        var slash = method.LastIndexOf('/');
        policy.Errors.WithLabels(slash >= 0 ? method[(slash + 1)..] : method, code.ToString()).Inc();
    }
}
