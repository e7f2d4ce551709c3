using System.ComponentModel.DataAnnotations;

namespace Routing.ServiceDefaults.Auth;

/// <summary>Whether calls between the services need a bearer token.</summary>
public enum ServiceAuthMode
{
    /// <summary>On when <see cref="ServiceAuthOptions.TokenDirectory"/> is set, off otherwise.</summary>
    Auto,

    /// <summary>Always on: start-up fails without a token directory.</summary>
    Token,

    /// <summary>Off, said explicitly: every caller is trusted (a test or a single-user machine).</summary>
    Off,
}

/// <summary>Service-to-service credentials. Section <c>Routing:Auth</c>.</summary>
public sealed class ServiceAuthOptions
{
    public const string SectionName = "Routing:Auth";

    public ServiceAuthMode Mode { get; set; } = ServiceAuthMode.Auto;

    /// <summary>
    /// Directory holding the tokens, one per file (a mounted Secret): <c>service-token</c> is what this process
    /// sends, and it and every <c>service-token-*</c> are accepted; <c>admin-token</c> and <c>admin-token-*</c>
    /// are accepted for tenant administration. The extra files let a rotation add the new token before anyone
    /// sends it.
    /// </summary>
    public string TokenDirectory { get; set; } = "";

    /// <summary>How often the directory is read again, so that a rotated Secret takes effect without a restart.</summary>
    [Range(1, 3600)]
    public int ReloadIntervalSeconds { get; set; } = 10;

    public bool Enabled => Mode switch
    {
        ServiceAuthMode.Off => false,
        ServiceAuthMode.Token => true,
        _ => !string.IsNullOrWhiteSpace(TokenDirectory),
    };
}
