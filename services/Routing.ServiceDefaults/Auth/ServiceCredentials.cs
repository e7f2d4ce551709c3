using Grpc.Core;
using Grpc.Net.Client;

namespace Routing.ServiceDefaults.Auth;

/// <summary>What a client of another Routing service sends: the current token, read on every call so a rotation reaches it.</summary>
public static class ServiceCredentials
{
    /// <summary>
    /// Adds the bearer token of <paramref name="token"/> to every call on channels made with <paramref name="options"/>.
    /// A null token function leaves the options as they are (auth off).
    /// </summary>
    public static GrpcChannelOptions WithToken(this GrpcChannelOptions options, Func<string?>? token)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (token is null)
        {
            return options;
        }
        var call = CallCredentials.FromInterceptor((_, metadata) =>
        {
            if (token() is { } value)
            {
                metadata.Add(ServiceAuthInterceptor.Header, ServiceAuthInterceptor.Scheme + value);
            }
            return Task.CompletedTask;
        });
        options.Credentials = ChannelCredentials.Create(options.Credentials ?? ChannelCredentials.Insecure, call);
        // Inside a cluster the channels are plaintext HTTP/2; the token is what authenticates, and the NetworkPolicy
        // (or a mesh's mTLS) what keeps it off other pods' paths.
        options.UnsafeUseInsecureChannelCallCredentials = true;
        return options;
    }

    /// <summary>The service token of this process, or null while auth is off.</summary>
    public static Func<string?>? ServiceToken(this ServiceTokens tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return tokens.Enabled ? () => tokens.Current?.ServiceToken : null;
    }
}
