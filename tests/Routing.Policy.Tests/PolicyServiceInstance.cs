using System.Globalization;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Routing.Contracts.Policy.V1;
using Routing.ServiceDefaults.Options;
using Routing.Testing;

namespace Routing.Policy.Tests;

/// <summary>A real policy service on loopback (Kestrel, gRPC) over a given model directory, with a client to it.</summary>
public sealed class PolicyServiceInstance : IAsyncDisposable
{
    private readonly LoopbackService _service;

    private PolicyServiceInstance(LoopbackService service)
    {
        _service = service;
        Client = new PolicyService.PolicyServiceClient(service.Channel);
    }

    public GrpcChannel Channel => _service.Channel;

    public PolicyService.PolicyServiceClient Client { get; }

    public ServiceEndpointOptions Endpoint => _service.Endpoint;

    public IServiceProvider Services => _service.Services;

    /// <param name="modelDirectory">Null: the bundled default model.</param>
    public static async Task<PolicyServiceInstance> StartAsync(string? modelDirectory = null, IDictionary<string, string?>? settings = null) =>
        new(await LoopbackService.StartAsync(Build(modelDirectory, settings)));

    public static WebApplication Build(string? modelDirectory, IDictionary<string, string?>? settings = null)
    {
        var configuration = LoopbackService.Settings(new Dictionary<string, string?>
        {
            ["Routing:Policy:ModelDirectory"] = modelDirectory,
            ["Routing:Policy:ReloadPollSeconds"] = "1",
        }, settings);
        return PolicyServiceHost.Build([], builder => builder.Configuration.AddInMemoryCollection(configuration));
    }

    public async Task<string> MetricsAsync()
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Endpoint.MetricsPort}/metrics")));
    }

    public ValueTask DisposeAsync() => _service.DisposeAsync();
}
