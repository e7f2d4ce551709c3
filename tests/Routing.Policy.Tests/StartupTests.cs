using Microsoft.Extensions.Options;
using Routing.Contracts.Policy.V1;
using Routing.Policy.Inference;
using Xunit;

namespace Routing.Policy.Tests;

public sealed class StartupTests
{
    [Fact]
    public async Task TheBundledTrainedPolicyServesWithNoConfiguration()
    {
        await using var service = await PolicyServiceInstance.StartAsync();

        var info = await service.Client.GetPolicyInfoAsync(new GetPolicyInfoRequest());

        Assert.Equal("v4", info.Versions.Single().Version);
        Assert.Equal("trained", info.Versions.Single().Kind);
        Assert.False((await service.Client.RouteAsync(TestModels.Request())).Stop);
    }

    /// <summary>v3, trained without auctions, stays bundled for executors that do not auction on open (docs/training.md).</summary>
    [Fact]
    public async Task TheBundledPolicyWithoutAuctionFeaturesServesWhenChosen()
    {
        await using var service = await PolicyServiceInstance.StartAsync(settings: new Dictionary<string, string?> { ["Routing:Policy:PrimaryVersion"] = "v3" });

        var info = await service.Client.GetPolicyInfoAsync(new GetPolicyInfoRequest());

        Assert.Equal("v3", info.Versions.Single().Version);
        Assert.Equal("trained", info.Versions.Single().Kind);
        Assert.False((await service.Client.RouteAsync(TestModels.Request())).Stop);
    }

    [Fact]
    public async Task TheBundledHeuristicStillServesWhenPinned()
    {
        await using var service = await PolicyServiceInstance.StartAsync(null, new Dictionary<string, string?> { ["Routing:Policy:PrimaryVersion"] = "v1" });

        var info = await service.Client.GetPolicyInfoAsync(new GetPolicyInfoRequest());

        Assert.Equal("v1", info.Versions.Single().Version);
        Assert.Equal("heuristic", info.Versions.Single().Kind);
    }

    [Fact]
    public async Task AskingForCudaWithoutItFailsStartUpWithAClearMessage()
    {
        // This build carries the CPU flavour of ONNX Runtime, which has no CUDA execution provider.
        Assert.Equal("Cpu", SessionFactory.BuildFlavor);
        var app = PolicyServiceInstance.Build(null, new Dictionary<string, string?> { ["Routing:Policy:ExecutionProvider"] = "Cuda" });

        var error = await Assert.ThrowsAsync<ExecutionProviderUnavailableException>(() => app.StartAsync());

        Assert.Contains("Routing:Policy:ExecutionProvider is Cuda", error.Message, StringComparison.Ordinal);
        Assert.Contains("-p:OnnxRuntimeFlavor=Gpu", error.Message, StringComparison.Ordinal);
        Assert.Contains("Routing:Policy:FallbackToCpu", error.Message, StringComparison.Ordinal);
        await app.DisposeAsync();
    }

    [Fact]
    public async Task AskingForCudaWithFallbackServesOnTheCpu()
    {
        await using var service = await PolicyServiceInstance.StartAsync(null, new Dictionary<string, string?>
        {
            ["Routing:Policy:ExecutionProvider"] = "Cuda",
            ["Routing:Policy:FallbackToCpu"] = "true",
        });

        var info = await service.Client.GetPolicyInfoAsync(new GetPolicyInfoRequest());

        Assert.Equal("CPU", info.Versions.Single().ExecutionProvider);
        Assert.False((await service.Client.RouteAsync(TestModels.Request())).Stop);
    }

    [Theory]
    [InlineData("Routing:Policy:Batching:MaxBatchSize", "0")]
    [InlineData("Routing:Policy:CanaryWeight", "1.5")]
    [InlineData("Routing:Policy:Batching:QueueCapacity", "0")]
    public async Task ABadSettingFailsStartUpNamingItsKey(string key, string value)
    {
        var app = PolicyServiceInstance.Build(null, new Dictionary<string, string?> { [key] = value });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
        await app.DisposeAsync();
    }
}
