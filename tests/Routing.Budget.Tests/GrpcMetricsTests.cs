using System.Globalization;
using Grpc.Core;
using Routing.Contracts.Budget.V1;
using Xunit;

namespace Routing.Budget.Tests;

/// <summary>Every RPC has a duration histogram and a status-code counter per method (ServiceDefaults' interceptor).</summary>
public sealed class GrpcMetricsTests
{
    private const string Service = "service=\"routing.budget.v1.BudgetService\"";

    [Fact]
    public async Task CallsAreCountedByMethodAndStatusAndTimed()
    {
        await using var budget = await BudgetServiceInstance.StartAsync();
        var task = "t-" + Guid.NewGuid().ToString("N");
        var before = await ScrapeAsync(budget);

        await budget.Client.OpenTaskAsync(new OpenTaskRequest { Tenant = "m", TaskId = task, LimitMicros = 10 });
        var bad = await Assert.ThrowsAsync<RpcException>(() =>
            budget.Client.ReserveAsync(new ReserveRequest { Tenant = "m", TaskId = task, AmountMicros = -1, IdempotencyKey = "k" }).ResponseAsync);
        var after = await ScrapeAsync(budget);

        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        // Other tests of this process call the same service type (one registry per service), so counts only grow here.
        AssertGrew(before, after, $"grpc_server_handled_total{{{Service},method=\"OpenTask\",code=\"OK\"}}");
        AssertGrew(before, after, $"grpc_server_handled_total{{{Service},method=\"Reserve\",code=\"InvalidArgument\"}}");
        AssertGrew(before, after, $"grpc_server_handling_seconds_count{{{Service},method=\"Reserve\"}}");
        Assert.Contains("routing_build_info{version=\"", after, StringComparison.Ordinal);
        Assert.Contains("service=\"budget\"} 1", after, StringComparison.Ordinal);
    }

    private static void AssertGrew(string before, string after, string series) =>
        Assert.True(Value(after, series) > Value(before, series), $"{series} did not grow");

    private static async Task<string> ScrapeAsync(BudgetServiceInstance budget)
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{budget.Endpoint.MetricsPort}/metrics")));
    }

    /// <summary>The sample of one series, 0 while it does not exist yet.</summary>
    private static double Value(string metrics, string series)
    {
        foreach (var line in metrics.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }
}
