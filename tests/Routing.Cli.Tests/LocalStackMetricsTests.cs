using System.Text.RegularExpressions;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Routing.Cli.Hosting;
using Xunit;

namespace Routing.Cli.Tests;

/// <summary>
/// <c>routing up</c> hosts four services in one process; each metrics port serves its own service's series and
/// the process metrics appear on one port only, so scraping every port counts nothing twice.
/// </summary>
public sealed partial class LocalStackMetricsTests
{
    [Fact]
    public async Task EachMetricsPortServesOnlyItsService()
    {
        await using var stack = await LocalStack.StartAsync(null, "127.0.0.1", anyPorts: true, "none", CancellationToken.None);
        using var http = new HttpClient();
        var families = new Dictionary<string, HashSet<string>>();
        foreach (var service in stack.Services)
        {
            using var channel = GrpcChannel.ForAddress(service.GrpcAddress);
            await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());
            families[service.Name] = Families(await http.GetStringAsync(new Uri(service.MetricsAddress)));
        }

        Assert.Contains("routing_budget_overrun_micros_total", families["budget"]);
        Assert.Contains("routing_policy_serving_version", families["policy"]);
        Assert.Contains("routing_memory_applied_change", families["memory"]);
        Assert.Contains("routing_executor_policy_fallbacks_total", families["executor"]);
        foreach (var (name, own) in families)
        {
            Assert.Contains("routing_build_info", own);
            Assert.Contains("grpc_server_handled_total", own);
            foreach (var other in families.Keys.Where(o => o != name))
            {
                Assert.DoesNotContain(own, f => f.StartsWith($"routing_{other}_", StringComparison.Ordinal));
            }
        }
        Assert.Single(families, f => f.Value.Contains("process_cpu_seconds_total"));
        Assert.NotEqual(families["budget"], families["policy"]);
    }

    private static HashSet<string> Families(string metrics) =>
        [.. TypeLine().Matches(metrics).Select(m => m.Groups[1].Value)];

    [GeneratedRegex("^# TYPE (\\S+) ", RegexOptions.Multiline)]
    private static partial Regex TypeLine();
}
