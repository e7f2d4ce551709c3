using System.Globalization;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Routing.Contracts.Policy.V1;
using Routing.ServiceDefaults.Options;

namespace Routing.Policy.Tests;

/// <summary>A real policy service on loopback (Kestrel, gRPC) over a given model directory, with a client to it.</summary>
public sealed class PolicyServiceInstance : IAsyncDisposable
{
    private readonly WebApplication _app;

    private PolicyServiceInstance(WebApplication app, GrpcChannel channel)
    {
        _app = app;
        Channel = channel;
        Client = new PolicyService.PolicyServiceClient(channel);
    }

    public GrpcChannel Channel { get; }

    public PolicyService.PolicyServiceClient Client { get; }

    public ServiceEndpointOptions Endpoint => _app.Services.GetRequiredService<ServiceEndpointOptions>();

    public IServiceProvider Services => _app.Services;

    /// <param name="modelDirectory">Null: the bundled default model.</param>
    public static async Task<PolicyServiceInstance> StartAsync(string? modelDirectory = null, IDictionary<string, string?>? settings = null)
    {
        var app = Build(modelDirectory, settings);
        await app.StartAsync();
        var endpoint = app.Services.GetRequiredService<ServiceEndpointOptions>();
        var channel = GrpcChannel.ForAddress(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{endpoint.GrpcPort}"));
        return new PolicyServiceInstance(app, channel);
    }

    public static WebApplication Build(string? modelDirectory, IDictionary<string, string?>? settings = null)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Routing:Service:BindAddress"] = "127.0.0.1",
            ["Routing:Service:GrpcPort"] = "0",
            ["Routing:Service:MetricsPort"] = "0",
            ["Routing:Logging:Format"] = "none",
            ["Routing:Policy:ModelDirectory"] = modelDirectory,
            ["Routing:Policy:ReloadPollSeconds"] = "1",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }
        return PolicyServiceHost.Build([], builder => builder.Configuration.AddInMemoryCollection(configuration));
    }

    public async Task<string> MetricsAsync()
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Endpoint.MetricsPort}/metrics")));
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
