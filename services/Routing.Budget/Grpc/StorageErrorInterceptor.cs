using Grpc.Core;
using Grpc.Core.Interceptors;
using Routing.Budget.Metrics;
using StackExchange.Redis;

namespace Routing.Budget.Grpc;

/// <summary>
/// Turns Redis failures into <c>Unavailable</c> (the caller may retry with the same idempotency key: a
/// grant is only ever returned after Redis recorded it) and counts every failed call by status code.
/// </summary>
public sealed class StorageErrorInterceptor : Interceptor
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
                "the budget ledger's Redis is unreachable; if a reservation was in flight its outcome is unknown: " +
                $"retry with the same idempotency_key ({exception.GetType().Name}: {exception.Message})"));
        }
        catch (RedisException exception)
        {
            Count(context, StatusCode.Internal);
            throw new RpcException(new Status(StatusCode.Internal, $"budget ledger script failed: {exception.Message}"));
        }
    }

    /// <summary>Connection and timeout failures, and the replies of a Redis that is restarting or failing over.</summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        RedisConnectionException or RedisTimeoutException => true,
        RedisServerException server => server.Message.StartsWith("LOADING", StringComparison.Ordinal)
            || server.Message.StartsWith("BUSY", StringComparison.Ordinal)
            || server.Message.StartsWith("MASTERDOWN", StringComparison.Ordinal)
            || server.Message.StartsWith("READONLY", StringComparison.Ordinal)
            || server.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal),
        _ => false,
    };

    private static void Count(ServerCallContext context, StatusCode code)
    {
        var method = context.Method;
        var slash = method.LastIndexOf('/');
        BudgetMetrics.Errors.WithLabels(slash >= 0 ? method[(slash + 1)..] : method, code.ToString()).Inc();
    }
}
