using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Routing.Sale.Weights;
using Routing.Simulation.Hosting;
using Routing.Testing;
using Xunit;
using AuctionRequest = Routing.Contracts.Executor.V1.AuctionRequest;

namespace Routing.Executor.Tests;

/// <summary>
/// <c>Routing:Executor:Sale:WeightsFile</c> as the chart sets it (executor.sale.weights): a ConfigMap key mounted
/// in the kubelet's layout, whose update swaps the <c>..data</c> symlink; auctions score with the file's weights
/// and pick up the new ones without a restart.
/// </summary>
public sealed class AuctionWeightsFileTests : IDisposable
{
    private readonly string _mount = Directory.CreateTempSubdirectory("routing-sale-mount-").FullName;

    private string Publish(string directory, string version)
    {
        var path = Path.Combine(_mount, directory, "sale-weights.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        SaleWeightsFile.Write(path, new SaleWeightsDocument
        {
            Version = version,
            Cost = 0.62,
            Entropy = -0.18,
            Jurors = AuctionStack.Pool.ToDictionary(p => p.Name, _ => 0.3),
            DefaultJuror = 0.3,
        });
        return path;
    }

    [Fact]
    public async Task AuctionsScoreWithTheMountedFileAndFollowItsConfigMapUpdate()
    {
        Publish("..2026_11_24_01", "fitted-v1");
        Directory.CreateSymbolicLink(Path.Combine(_mount, "..data"), "..2026_11_24_01");
        File.CreateSymbolicLink(Path.Combine(_mount, "sale-weights.json"), Path.Combine("..data", "sale-weights.json"));
        await using var stack = await AuctionStack.StartAsync(new Dictionary<string, string?>
        {
            ["Routing:Executor:Sale:WeightsFile"] = Path.Combine(_mount, "sale-weights.json"),
        });
        await stack.Executor.OpenAsync("coding-3-1", 10_000_000);

        var first = await stack.Executor.Client.AuctionAsync(new AuctionRequest { TaskId = "coding-3-1", Domain = "coding" }, ExecutorStack.Acme);

        Assert.Equal("fitted-v1", first.WeightsVersion);

        // The kubelet's update: a new timestamped directory, then ..data re-pointed at it.
        Publish("..2026_11_24_02", "fitted-v2");
        Directory.Delete(Path.Combine(_mount, "..data"));
        Directory.CreateSymbolicLink(Path.Combine(_mount, "..data"), "..2026_11_24_02");
        var weights = stack.Executor.Services.GetRequiredService<ISaleWeightsSource>();
        await Eventually.ReturnsAsync(() => Task.FromResult(weights.Current.Version), v => v == "fitted-v2", TimeSpan.FromSeconds(30), "the swapped weights file applying");
        await stack.Executor.OpenAsync("coding-3-2", 10_000_000);

        var second = await stack.Executor.Client.AuctionAsync(new AuctionRequest { TaskId = "coding-3-2", Domain = "coding" }, ExecutorStack.Acme);

        Assert.Equal("fitted-v2", second.WeightsVersion);
    }

    [Fact]
    public async Task AMissingWeightsFileStopsStartUpNamingTheSetting()
    {
        // A mounted ConfigMap without the sale-weights.json key: the directory is there, the file is not.
        var settings = LoopbackService.Settings(new Dictionary<string, string?>
        {
            ["Routing:Redis:ConnectionString"] = TestRedis.ConnectionString,
            ["Routing:Executor:HttpPort"] = "0",
            ["Routing:AgentPool:File"] = "",
            ["Routing:AgentPool:UseSimulator"] = "true",
            ["Routing:Executor:Sale:WeightsFile"] = Path.Combine(_mount, "sale-weights.json"),
        }, null);
        await using var app = ExecutorServiceHost.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Services.AddSimulatorHosting(builder.Configuration);
        });

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync());

        Assert.Contains("Routing:Executor:Sale:WeightsFile", failure.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_mount, recursive: true);
}
