using System.Collections.Frozen;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Routing.ServiceDefaults.Auth;

/// <summary>Full gRPC method names (<c>/package.Service/Method</c>) that need the admin token.</summary>
public sealed class AdminMethods(IEnumerable<string> methods)
{
    public FrozenSet<string> Methods { get; } = methods.ToFrozenSet(StringComparer.Ordinal);
}

/// <summary>
/// Refuses a call without a current bearer token (<c>Unauthenticated</c>) and an admin method called with a
/// service token (<c>PermissionDenied</c>). Health and reflection stay open: probes and grpcurl carry no token.
/// </summary>
public sealed class ServiceAuthInterceptor(ServiceTokens tokens, AdminMethods adminMethods) : Interceptor
{
    public const string Header = "authorization";
    public const string Scheme = "Bearer ";

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Authorize(context);
        return continuation(request, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Authorize(context);
        return continuation(requestStream, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Authorize(context);
        return continuation(request, responseStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Authorize(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Authorize(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var current = tokens.Current;
        if (current is null || IsOpen(context.Method))
        {
            return;
        }

        var header = context.RequestHeaders.GetValue(Header);
        if (header is null || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated,
                $"this service needs a service token: send the metadata '{Header}: {Scheme}<token>' with the service-token of the routing auth Secret"));
        }

        var role = current.Authenticate(header[Scheme.Length..].Trim());
        if (role == CallerRole.None)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated,
                "the bearer token is not one this service accepts (a rotation removed it, or the caller mounts another Secret)"));
        }
        if (role == CallerRole.Service && adminMethods.Methods.Contains(context.Method))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"{context.Method} is tenant administration: it needs the admin token, not the service token"));
        }
    }

    private static bool IsOpen(string method) =>
        method.StartsWith("/grpc.health.v1.Health/", StringComparison.Ordinal)
        || method.StartsWith("/grpc.reflection.", StringComparison.Ordinal);
}
