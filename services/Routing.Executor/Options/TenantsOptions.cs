using System.ComponentModel.DataAnnotations;

namespace Routing.Executor.Options;

/// <summary>Where the tenants' API keys come from. Section <c>Routing:Tenants</c>.</summary>
public sealed class TenantsOptions
{
    public const string SectionName = "Routing:Tenants";

    /// <summary>
    /// JSON file (a Secret's key <c>tenants.json</c> in a cluster) mapping tenants to SHA-256 hex hashes of their
    /// API keys; see docs/executor.md. Re-read when it changes.
    /// </summary>
    [Required]
    public string File { get; set; } = "/etc/routing/tenants/tenants.json";
}
