using System.Text.RegularExpressions;
using Grpc.Core;
using Routing.Contracts.Policy.V1;
using Routing.Testing;
using Xunit;

namespace Routing.Policy.Tests;

public sealed partial class ModelRegistryTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly string _root = TestModels.NewDirectory();

    [Fact]
    public async Task TheNewestValidVersionServesInNaturalOrder()
    {
        TestModels.WriteConstant(_root, "v2", 0.2);
        TestModels.WriteConstant(_root, "v10", 0.9);
        await using var service = await PolicyServiceInstance.StartAsync(_root);

        var response = await service.Client.RouteAsync(TestModels.Request());

        Assert.Equal("v10", response.PolicyVersion);
    }

    [Fact]
    public async Task ACorruptNewVersionIsRejectedAndTheOldOneKeepsServing()
    {
        TestModels.WriteConstant(_root, "v1", 0.8);
        await using var service = await PolicyServiceInstance.StartAsync(_root);
        TestModels.WriteConstant(_root, "v2", 0.8);
        await File.WriteAllBytesAsync(Path.Combine(_root, "v2", "model.onnx"), [1, 2, 3, 4, 5, 6, 7]);

        var info = await Eventually.ReturnsAsync(
            () => service.Client.GetPolicyInfoAsync(new GetPolicyInfoRequest()).ResponseAsync,
            i => i.Rejected.Any(r => r.Version == "v2"), Patience, "v2 rejected");

        Assert.Contains("not a loadable ONNX model", info.Rejected.Single(r => r.Version == "v2").Reason, StringComparison.Ordinal);
        Assert.Equal("v1", info.Versions.Single().Version);
        Assert.Equal("v1", (await service.Client.RouteAsync(TestModels.Request())).PolicyVersion);
    }

    [Fact]
    public async Task AnOverwrittenServingVersionThatFailsValidationKeepsItsOldModel()
    {
        TestModels.WriteConstant(_root, "v1", 0.8);
        await using var service = await PolicyServiceInstance.StartAsync(_root);
        var manifest = Path.Combine(_root, "v1", "manifest.json");
        var text = await File.ReadAllTextAsync(manifest);
        await File.WriteAllTextAsync(manifest, text.Replace("\"feature_schema_version\": 1", "\"feature_schema_version\": 7", StringComparison.Ordinal));

        var info = await Eventually.ReturnsAsync(
            () => service.Client.GetPolicyInfoAsync(new GetPolicyInfoRequest()).ResponseAsync,
            i => i.Rejected.Any(r => r.Version == "v1"), Patience, "overwritten v1 rejected");

        Assert.Contains("feature_schema_version 7", info.Rejected.Single().Reason, StringComparison.Ordinal);
        var response = await service.Client.RouteAsync(TestModels.Request());
        Assert.Equal("v1", response.PolicyVersion);
        Assert.Equal(0.8f, response.Probabilities[1], 4);
    }

    [Fact]
    public async Task NewVersionsHotReloadUnderLoadWithoutFailedRequests()
    {
        TestModels.WriteConstant(_root, "v1", 0.8);
        await using var service = await PolicyServiceInstance.StartAsync(_root);
        using var stop = new CancellationTokenSource();
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var callers = Enumerable.Range(0, 16).Select(caller => Task.Run(async () =>
        {
            var i = 0;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var response = await service.Client.RouteAsync(TestModels.Request(taskId: $"c{caller}-{i++}"));
                    seen.AddOrUpdate(response.PolicyVersion, 1, (_, n) => n + 1);
                }
                catch (RpcException exception)
                {
                    failures.Add(exception.Status.ToString());
                }
            }
        })).ToList();

        await Eventually.ReturnsAsync(() => Task.FromResult(seen.ContainsKey("v1")), s => s, Patience, "v1 serving");
        foreach (var version in new[] { "v2", "v3" })
        {
            // Published as the trainer does: staged in a hidden directory beside the versions, then renamed.
            var manifest = Routing.Policy.DefaultModel.HeuristicPolicy.Manifest();
            manifest.Version = version;
            manifest.Kind = "trained";
            Routing.Onnx.PolicyModelDirectory.Publish(_root, TestModels.RandomNetwork(seed: version.Length), manifest);
            await Eventually.ReturnsAsync(() => Task.FromResult(seen.ContainsKey(version)), s => s, Patience, $"{version} serving");
        }
        await stop.CancelAsync();
        await Task.WhenAll(callers);

        Assert.Empty(failures);
        Assert.True(seen.ContainsKey("v1") && seen.ContainsKey("v2") && seen.ContainsKey("v3"));
    }

    [Fact]
    public async Task ACanaryTakesItsWeightOfTasksAndATaskStaysOnItsSide()
    {
        TestModels.WriteConstant(_root, "v1", 0.8);
        TestModels.WriteConstant(_root, "v2", 0.8);
        await using var service = await PolicyServiceInstance.StartAsync(_root, new Dictionary<string, string?>
        {
            ["Routing:Policy:PrimaryVersion"] = "v1",
            ["Routing:Policy:CanaryVersion"] = "v2",
            ["Routing:Policy:CanaryWeight"] = "0.3",
        });

        var versions = new Dictionary<string, string>();
        for (var task = 0; task < 400; task++)
        {
            versions[$"task-{task}"] = (await service.Client.RouteAsync(TestModels.Request(taskId: $"task-{task}"))).PolicyVersion;
        }
        for (var task = 0; task < 400; task += 7)
        {
            Assert.Equal(versions[$"task-{task}"], (await service.Client.RouteAsync(TestModels.Request(taskId: $"task-{task}"))).PolicyVersion);
        }

        var canaryShare = versions.Values.Count(v => v == "v2") / 400.0;
        Assert.InRange(canaryShare, 0.2, 0.4);
        var info = await service.Client.GetPolicyInfoAsync(new GetPolicyInfoRequest());
        Assert.Equal(0.3, info.Versions.Single(v => v.Role == "canary").TrafficWeight, 6);
        var metrics = await service.MetricsAsync();
        Assert.Matches(RequestsMetric("v2", "canary"), metrics);
        Assert.Matches(RequestsMetric("v1", "primary"), metrics);
    }

    [Fact]
    public async Task AShadowVersionScoresEveryDecisionWithoutServingAny()
    {
        TestModels.WriteConstant(_root, "v1", 0.8);
        TestModels.WriteConstant(_root, "v2", 0.1);
        await using var service = await PolicyServiceInstance.StartAsync(_root, new Dictionary<string, string?>
        {
            ["Routing:Policy:PrimaryVersion"] = "v1",
            ["Routing:Policy:ShadowVersion"] = "v2",
        });

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("v1", (await service.Client.RouteAsync(TestModels.Request())).PolicyVersion);
        }

        await Eventually.ReturnsAsync(service.MetricsAsync,
            m => m.Contains("routing_policy_shadow_decisions_total{version=\"v2\",agreement=\"disagree\"}", StringComparison.Ordinal),
            Patience, "shadow disagreement recorded");
        var info = await service.Client.GetPolicyInfoAsync(new GetPolicyInfoRequest());
        Assert.Equal(0, info.Versions.Single(v => v.Role == "shadow").TrafficWeight);
    }

    [Fact]
    public async Task TheManifestsDefaultCostPreferenceAppliesWhenARequestNamesNone()
    {
        TestModels.WriteConstant(_root, "v1", 0.8, defaultLambda: 1.0);
        await using var service = await PolicyServiceInstance.StartAsync(_root);

        var defaulted = await service.Client.RouteAsync(TestModels.Request());
        var explicitZero = TestModels.Request();
        explicitZero.CostPreference = 0;
        var overridden = await service.Client.RouteAsync(explicitZero);

        Assert.Equal(1.0, defaulted.CostPreference);
        Assert.Equal("small", defaulted.Model);
        Assert.Equal(0.0, overridden.CostPreference);
        Assert.Equal("large", overridden.Model);
    }

    [Fact]
    public async Task StartUpFailsWhenTheDirectoryHoldsNoValidModel()
    {
        Directory.CreateDirectory(Path.Combine(_root, "v1"));
        await File.WriteAllTextAsync(Path.Combine(_root, "v1", "manifest.json"), "{ not json");
        var app = PolicyServiceInstance.Build(_root);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync());

        Assert.Contains(_root, error.Message, StringComparison.Ordinal);
        Assert.Contains("v1: manifest.json is unreadable", error.Message, StringComparison.Ordinal);
        await app.DisposeAsync();
    }

    private static Regex RequestsMetric(string version, string role) =>
        new($"routing_policy_requests_total\\{{version=\"{version}\",role=\"{role}\"\\}} [1-9]");

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
