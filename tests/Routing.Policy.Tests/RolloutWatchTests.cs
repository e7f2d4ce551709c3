using Routing.Contracts.Policy.V1;
using Routing.Policy.Rollout;
using Routing.Testing;
using Xunit;

namespace Routing.Policy.Tests;

/// <summary>
/// The policy service following a rollout ConfigMap served by <see cref="FakeKubernetesApi"/> (a loopback
/// server speaking the Kubernetes list/watch protocol; there is no cluster here): versions and canary weight
/// change without a restart, a bad document changes nothing, a deleted ConfigMap hands back to the settings.
/// </summary>
public sealed class RolloutWatchTests : IAsyncLifetime
{
    private const string Namespace = "routing";
    private const string Name = "routing-policy-rollout";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly string _root = TestModels.NewDirectory();
    private FakeKubernetesApi _api = null!;

    public async Task InitializeAsync()
    {
        _api = await FakeKubernetesApi.StartAsync();
        TestModels.WriteConstant(_root, "v1", 0.8);
        TestModels.WriteConstant(_root, "v2", 0.8);
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private Task<PolicyServiceInstance> StartAsync() => PolicyServiceInstance.StartAsync(_root, new Dictionary<string, string?>
    {
        ["Routing:Policy:PrimaryVersion"] = "v1",
        ["Routing:Policy:Rollout:ConfigMap"] = Name,
        ["Routing:Policy:Rollout:Namespace"] = Namespace,
        ["Routing:Policy:Rollout:ApiServer"] = _api.Url,
    });

    private static Task<PolicyInfo> ServingAsync(PolicyServiceInstance service, Func<PolicyInfo, bool> accept, string what) =>
        Eventually.ReturnsAsync(async () => await service.Client.GetPolicyInfoAsync(new GetPolicyInfoRequest()), accept, Patience, what);

    private static string? Role(PolicyInfo info, string role) => info.Versions.FirstOrDefault(v => v.Role == role)?.Version;

    [Fact]
    public async Task ConfigMapChangesMoveVersionsAndCanaryWeightWithoutARestart()
    {
        _api.Put(Namespace, Name, new Dictionary<string, string> { ["primaryVersion"] = "v1" });
        await using var service = await StartAsync();
        await ServingAsync(service, i => Role(i, "primary") == "v1" && Role(i, "canary") is null, "v1 alone");

        _api.Put(Namespace, Name, new Dictionary<string, string> { ["primaryVersion"] = "v1", ["canaryVersion"] = "v2", ["canaryWeight"] = "0.25" });
        var canary = await ServingAsync(service, i => Role(i, "canary") == "v2", "v2 as canary");
        Assert.Equal(0.25, canary.Versions.Single(v => v.Role == "canary").TrafficWeight, 6);
        var routed = new HashSet<string>();
        for (var task = 0; task < 200; task++)
        {
            routed.Add((await service.Client.RouteAsync(TestModels.Request(taskId: $"task-{task}"))).PolicyVersion);
        }
        Assert.Equal(["v1", "v2"], routed.Order());

        _api.Put(Namespace, Name, new Dictionary<string, string> { ["primaryVersion"] = "v2" });
        await ServingAsync(service, i => Role(i, "primary") == "v2" && Role(i, "canary") is null, "v2 promoted");

        // Without the ConfigMap the static settings decide again (PrimaryVersion=v1).
        _api.Delete(Namespace, Name);
        await ServingAsync(service, i => Role(i, "primary") == "v1", "back to the settings");
    }

    [Fact]
    public async Task AnInvalidRolloutChangesNothing()
    {
        _api.Put(Namespace, Name, new Dictionary<string, string> { ["primaryVersion"] = "v2" });
        await using var service = await StartAsync();
        await ServingAsync(service, i => Role(i, "primary") == "v2", "v2 from the ConfigMap");
        var provider = (RolloutConfigurationProvider)service.Services.GetService(typeof(RolloutConfigurationProvider))!;

        _api.Put(Namespace, Name, new Dictionary<string, string> { ["primaryVersion"] = "v1", ["canaryVersion"] = "v2", ["canaryWeight"] = "1.5" });
        _api.Put(Namespace, Name, new Dictionary<string, string> { ["primaryversion"] = "v1" });
        _api.Put(Namespace, Name, new Dictionary<string, string> { ["primaryVersion"] = "v1", ["shadowVersion"] = "v3" });
        await Eventually.ReturnsAsync(() => Task.FromResult(provider.Current), d => d?.ShadowVersion == "v3", Patience, "the last valid document applied");

        // The shadow named a version that does not exist: it is simply not loaded; the rest applies.
        var info = await ServingAsync(service, i => Role(i, "primary") == "v1", "v1 from the last valid document");
        Assert.Null(Role(info, "canary"));
    }

    [Theory]
    [InlineData("canaryWeight", "1.5", "canaryWeight '1.5' must be a number from 0 to 1")]
    [InlineData("canaryWeight", "lots", "canaryWeight 'lots' must be a number from 0 to 1")]
    [InlineData("canaryVersion", "../etc", "canaryVersion '../etc' is not a version directory name")]
    [InlineData("canaryweight", "0.1", "unknown key 'canaryweight'")]
    public void ABadRolloutNamesItsKey(string key, string value, string message)
    {
        var document = RolloutDocument.Parse(new Dictionary<string, string> { ["primaryVersion"] = "v1", [key] = value }, out var error);
        Assert.Null(document);
        Assert.StartsWith(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void ACanaryWeightNeedsACanaryAndMissingKeysMeanEmpty()
    {
        Assert.Null(RolloutDocument.Parse(new Dictionary<string, string> { ["canaryWeight"] = "0.2" }, out var error));
        Assert.Equal("canaryWeight is above 0 but canaryVersion is empty", error);
        Assert.Equal(new RolloutDocument("", "", 0, ""), RolloutDocument.Parse(new Dictionary<string, string>(), out _));
    }
}
