namespace Routing.ServiceDefaults.Auth;

/// <summary>What a presented token lets its caller do.</summary>
public enum CallerRole
{
    /// <summary>No token, or one that is not current.</summary>
    None,

    /// <summary>A service token: every call a service makes on a tenant's behalf.</summary>
    Service,

    /// <summary>An admin token: service calls plus tenant administration.</summary>
    Admin,
}
