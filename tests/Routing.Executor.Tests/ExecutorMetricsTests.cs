using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Xunit;

namespace Routing.Executor.Tests;

/// <summary>
/// What an SRE scrapes from the executor: HTTP duration by route template, gRPC server and client calls by
/// method and code, per-agent tokens and spend, build info; and only the executor's own series, although the
/// budget and policy services run in the same process.
/// </summary>
public sealed class ExecutorMetricsTests(SharedExecutorStack shared) : IClassFixture<SharedExecutorStack>
{
    private ExecutorStack Stack => shared.Stack;

    [Fact]
    public async Task StepIsVisibleByRouteMethodAgentAndCallee()
    {
        var taskId = ExecutorStack.NewTaskId();
        var before = await Stack.MetricsAsync();

        await Stack.OpenAsync(taskId, 1_000_000);
        using var step = await Stack.Http.SendAsync(Stack.ChatRequest(taskId, """{"model":"auto","messages":[{"role":"user","content":"hi"}]}"""));
        using var read = await SendAsync(HttpMethod.Get, $"v1/routing/tasks/{taskId}");
        using var unknown = await SendAsync(HttpMethod.Get, $"v1/no-such-route/{taskId}");
        var after = await Stack.MetricsAsync();

        Assert.Equal(HttpStatusCode.OK, step.StatusCode);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        AssertGrew(before, after, "routing_executor_http_request_duration_seconds_count{route=\"/v1/chat/completions\",method=\"POST\",code=\"200\"}");
        AssertGrew(before, after, "routing_executor_http_request_duration_seconds_count{route=\"/v1/routing/tasks/{taskId}\",method=\"GET\",code=\"200\"}");
        AssertGrew(before, after, "routing_executor_http_request_duration_seconds_count{route=\"other\",method=\"GET\",code=\"404\"}");
        Assert.DoesNotContain(taskId, after, StringComparison.Ordinal);

        AssertGrew(before, after, "grpc_server_handled_total{service=\"routing.executor.v1.ExecutorService\",method=\"OpenTask\",code=\"OK\"}");
        AssertGrew(before, after, "grpc_client_handled_total{service=\"routing.budget.v1.BudgetService\",method=\"Reserve\",code=\"OK\"}");
        AssertGrew(before, after, "grpc_client_handled_total{service=\"routing.policy.v1.PolicyService\",method=\"Route\",code=\"OK\"}");
        AssertGrew(before, after, "grpc_client_handling_seconds_count{service=\"routing.budget.v1.BudgetService\",method=\"Commit\"}");

        Assert.True(Sum(after, "routing_executor_agent_tokens_total{", "kind=\"input\"") > Sum(before, "routing_executor_agent_tokens_total{", "kind=\"input\""));
        Assert.True(Sum(after, "routing_executor_agent_spend_micros_total{", "") > Sum(before, "routing_executor_agent_spend_micros_total{", ""));
        Assert.True(Sum(after, "routing_executor_agent_backend_seconds_count{", "result=\"ok\"") > Sum(before, "routing_executor_agent_backend_seconds_count{", "result=\"ok\""));
        Assert.Contains("service=\"executor\"} 1", after, StringComparison.Ordinal);

        // The budget and policy hosts of this process keep their series to their own metrics ports.
        Assert.DoesNotContain("routing_budget_", after, StringComparison.Ordinal);
        Assert.DoesNotContain("routing_policy_", after, StringComparison.Ordinal);
        Assert.DoesNotContain("grpc_server_handled_total{service=\"routing.budget.v1.BudgetService\"", after, StringComparison.Ordinal);
    }

    private static void AssertGrew(string before, string after, string series) =>
        Assert.True(Sum(after, series, "") > Sum(before, series, ""), $"{series} did not grow");

    /// <summary>The sum of the samples of series starting with <paramref name="prefix"/> and containing <paramref name="part"/>.</summary>
    private static double Sum(string metrics, string prefix, string part)
    {
        var sum = 0.0;
        foreach (var line in metrics.Split('\n'))
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal) && line.Contains(part, StringComparison.Ordinal))
            {
                sum += double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }
        return sum;
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ExecutorStack.AcmeKey);
        return Stack.Http.SendAsync(request);
    }
}
