using System.Globalization;
using Grpc.Health.V1;
using Microsoft.Extensions.Options;
using Routing.Testing;
using Xunit;

namespace Routing.Budget.Tests;

/// <summary>Start-up validation, health and metrics of the hosted service.</summary>
public sealed class StartupTests
{
    [Theory]
    [InlineData("Routing:Budget:MaxLeaseSeconds", "0")]
    [InlineData("Routing:Budget:KeyPrefix", "has space")]
    [InlineData("Routing:Redis:ConnectionString", "")]
    [InlineData("Routing:Redis:CommandTimeoutMilliseconds", "5")]
    public async Task BadSettingFailsStartNamingTheKey(string key, string value)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            BudgetServiceInstance.StartAsync(settings: new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadPortFailsStartNamingTheKey()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            BudgetServiceInstance.StartAsync(settings: new Dictionary<string, string?> { ["Routing:Service:GrpcPort"] = "70000" }));

        Assert.Contains("Routing:Service:GrpcPort", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthIsServingAndMetricsAreOnTheirOwnPort()
    {
        await using var budget = await BudgetServiceInstance.StartAsync();
        var health = new Health.HealthClient(budget.Channel);
        using var http = new HttpClient();
        var metricsBase = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{budget.Endpoint.MetricsPort}");

        var readiness = await health.CheckAsync(new HealthCheckRequest { Service = "" });
        var liveness = await health.CheckAsync(new HealthCheckRequest { Service = "liveness" });
        await budget.Client.OpenTaskAsync(new Contracts.Budget.V1.OpenTaskRequest { Tenant = "m", TaskId = "t", LimitMicros = 10 });
        var metrics = await http.GetStringAsync(new Uri(metricsBase + "/metrics"));
        var ready = await http.GetAsync(new Uri(metricsBase + "/readyz"));

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, readiness.Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, liveness.Status);
        Assert.Contains("routing_budget_script_duration_seconds", metrics, StringComparison.Ordinal);
        Assert.True(ready.IsSuccessStatusCode, $"readyz answered {ready.StatusCode} on {TestRedis.Describe()}");
    }
}
