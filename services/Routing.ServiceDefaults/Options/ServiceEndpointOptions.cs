using System.ComponentModel.DataAnnotations;

namespace Routing.ServiceDefaults.Options;

/// <summary>Where a service listens. Section <c>Routing:Service</c>.</summary>
public sealed class ServiceEndpointOptions
{
    public const string SectionName = "Routing:Service";

    /// <summary>
    /// Address to bind: loopback unless said otherwise, so a service started by hand is not open to the network;
    /// the images and the chart set <c>0.0.0.0</c>.
    /// </summary>
    [Required]
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>gRPC (HTTP/2 without TLS) port; 0 picks a free port.</summary>
    [Range(0, 65535)]
    public int GrpcPort { get; set; }

    /// <summary>HTTP/1 port for <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c>; 0 picks a free port.</summary>
    [Range(0, 65535)]
    public int MetricsPort { get; set; }
}
