namespace Routing.Executor.Tenancy;

/// <summary>Thrown when a call has no API key or one no tenant owns (gRPC Unauthenticated, HTTP 401).</summary>
public sealed class UnauthenticatedException(string message) : Exception(message);

/// <summary>Turns an <c>Authorization: Bearer &lt;key&gt;</c> value into the caller's tenant.</summary>
public sealed class TenantAuthenticator(TenantDirectory directory)
{
    private const string Scheme = "Bearer ";

    public string Authenticate(string? authorization)
    {
        if (string.IsNullOrEmpty(authorization))
        {
            throw new UnauthenticatedException("an API key is required: send 'Authorization: Bearer <key>'");
        }
        if (!authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) || authorization.Length == Scheme.Length)
        {
            throw new UnauthenticatedException("the Authorization value must be 'Bearer <key>'");
        }
        return directory.TenantOf(authorization[Scheme.Length..].Trim())
            ?? throw new UnauthenticatedException("the API key is not valid");
    }
}
