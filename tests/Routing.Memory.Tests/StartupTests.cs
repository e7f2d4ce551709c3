using System.Globalization;
using Grpc.Health.V1;
using Microsoft.Extensions.Options;
using Routing.Contracts.Memory.V1;
using Routing.Testing;
using Xunit;

namespace Routing.Memory.Tests;

/// <summary>Start-up validation, health and metrics of the hosted service.</summary>
public sealed class StartupTests
{
    [Theory]
    [InlineData("Routing:Memory:MaxRecordsPerTenant", "0")]
    [InlineData("Routing:Memory:KeyPrefix", "has space")]
    [InlineData("Routing:Memory:EncoderDimension", "8")]
    [InlineData("Routing:Memory:ChangePollMilliseconds", "0")]
    [InlineData("Routing:Memory:RecordTtlSeconds", "-1")]
    public async Task BadSettingFailsStartNamingTheKey(string key, string value)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            MemoryServiceInstance.StartAsync(settings: new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthIsServingOnceLoadedAndMetricsAreOnTheirOwnPort()
    {
        await using var memory = await MemoryServiceInstance.StartAsync();
        var health = new Health.HealthClient(memory.Channel);
        using var http = new HttpClient();
        var metricsBase = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{memory.Endpoint.MetricsPort}");
        await memory.Client.RecordAuctionAsync(Auctions.Request("m", "a1", "warm the cache", ["small", "large"]));
        await memory.Client.RetrieveContrastiveAsync(new RetrieveContrastiveRequest { Tenant = "m", Agent = "small", TaskText = "cache" });

        var readiness = await health.CheckAsync(new HealthCheckRequest { Service = "" });
        var liveness = await health.CheckAsync(new HealthCheckRequest { Service = "liveness" });
        var metrics = await http.GetStringAsync(new Uri(metricsBase + "/metrics"));
        var ready = await http.GetAsync(new Uri(metricsBase + "/readyz"));

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, readiness.Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, liveness.Status);
        Assert.True(ready.IsSuccessStatusCode, $"readyz answered {ready.StatusCode} on {TestRedis.Describe()}");
        foreach (var name in new[]
        {
            "routing_memory_retrieval_duration_seconds", "routing_memory_index_rebuild_duration_seconds",
            "routing_memory_auctions_recorded_total", "routing_memory_script_duration_seconds",
        })
        {
            Assert.Contains(name, metrics, StringComparison.Ordinal);
        }
    }
}
