using Grpc.Core;
using Routing.Features;
using Xunit;

namespace Routing.Policy.Tests;

/// <summary>Failed route requests are counted per version and role, which the canary error-rate alert divides by requests.</summary>
public sealed class RouteFailureMetricTests : IDisposable
{
    private readonly string _root = TestModels.NewDirectory();

    [Fact]
    public async Task FailuresAreCountedByVersionRoleAndCode()
    {
        TestModels.WriteConstant(_root, "v1", 0.8);
        TestModels.WriteConstant(_root, "v2", 0.8);
        await using var service = await PolicyServiceInstance.StartAsync(_root, new Dictionary<string, string?>
        {
            ["Routing:Policy:PrimaryVersion"] = "v1",
            ["Routing:Policy:CanaryVersion"] = "v2",
            ["Routing:Policy:CanaryWeight"] = "0.5",
        });
        var broken = new float[FeatureSchemaV1.Width];
        broken[0] = float.NaN;

        for (var task = 0; task < 40; task++)
        {
            var call = service.Client.RouteAsync(TestModels.Request(features: broken, taskId: $"task-{task}"));
            var failure = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, failure.StatusCode);
        }
        await service.Client.RouteAsync(TestModels.Request(taskId: "task-ok"));

        var metrics = await service.MetricsAsync();
        Assert.Matches("routing_policy_route_failures_total\\{version=\"v2\",role=\"canary\",code=\"InvalidArgument\"\\} [1-9]", metrics);
        Assert.Matches("routing_policy_route_failures_total\\{version=\"v1\",role=\"primary\",code=\"InvalidArgument\"\\} [1-9]", metrics);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
