using System.Globalization;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Routing.ServiceDefaults.Options;

namespace Routing.Testing;

/// <summary>A Routing service started on loopback (free ports, no logs) with a gRPC channel to it.</summary>
public sealed class LoopbackService : IAsyncDisposable
{
    private LoopbackService(WebApplication app, GrpcChannel channel)
    {
        App = app;
        Channel = channel;
    }

    public WebApplication App { get; }

    public GrpcChannel Channel { get; }

    public IServiceProvider Services => App.Services;

    /// <summary>The ports Kestrel bound (port 0 is resolved once the service has started).</summary>
    public ServiceEndpointOptions Endpoint => App.Services.GetRequiredService<ServiceEndpointOptions>();

    /// <summary>Loopback, free ports and no logs, then the service's own test settings, then a test's overrides.</summary>
    public static Dictionary<string, string?> Settings(IDictionary<string, string?> serviceSettings, IDictionary<string, string?>? overrides)
    {
        ArgumentNullException.ThrowIfNull(serviceSettings);
        var settings = new Dictionary<string, string?>
        {
            ["Routing:Service:BindAddress"] = "127.0.0.1",
            ["Routing:Service:GrpcPort"] = "0",
            ["Routing:Service:MetricsPort"] = "0",
            ["Routing:Logging:Format"] = "none",
            // Generous deadlines for every service a test hosts: CI runs all test assemblies at once on two cores
            // against one redis-server with appendfsync always, and the production defaults (2 s Redis commands,
            // 2 s budget and 0.5 s policy calls from the executor) flaked there. Tests of timeouts set their own;
            // tests that stop Redis or a service fail fast on the refused connection anyway.
            ["Routing:Redis:CommandTimeoutMilliseconds"] = "10000",
            ["Routing:Executor:BudgetTimeoutMilliseconds"] = "10000",
            ["Routing:Executor:PolicyTimeoutMilliseconds"] = "10000",
        };
        foreach (var layer in new[] { serviceSettings, overrides ?? new Dictionary<string, string?>() })
        {
            foreach (var (key, value) in layer)
            {
                settings[key] = value;
            }
        }
        return settings;
    }

    public static async Task<LoopbackService> StartAsync(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        await app.StartAsync();
        var endpoint = app.Services.GetRequiredService<ServiceEndpointOptions>();
        return new LoopbackService(app, GrpcChannel.ForAddress(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{endpoint.GrpcPort}")));
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
