using Routing.Cli.Bench;
using Routing.Simulation.Benchmark;
using Xunit;

namespace Routing.Cli.Tests;

/// <summary>
/// <c>routing bench routing --through-services</c> on a tiny held-out set: the served policy's episodes through the
/// executor, policy and budget services equal the same model's episodes in-process, cell by cell and episode by episode.
/// </summary>
public sealed class ThroughServicesBenchTests
{
    [Fact]
    public async Task EpisodesThroughTheServicesEqualTheInProcessRun()
    {
        var settings = new ThroughServicesSettings(99_003, TasksPerCell: 2, ThroughServicesSettings.NonBindingLimitMicros, LargeCallCap: null, Concurrency: 4);

        var report = await ThroughServicesBench.RunAsync(settings, null, CancellationToken.None);

        Assert.Equal(20, report.Services.Overall.Episodes);
        Assert.True(report.ServiceSteps >= 20, $"only {report.ServiceSteps} steps");
        Assert.Equal(0, report.PolicyFallbacks);
        Assert.Equal(0, report.DifferingEpisodes);
        Assert.Equal(report.InProcess.Cells, report.Services.Cells);
        // The pinned strategies as RunTask episodes with an agent: the same episodes as the simulator's fixed routers.
        Assert.Equal([RoutingStrategy.AlwaysSmall, RoutingStrategy.AlwaysLarge], report.Pinned!.Select(p => p.Strategy));
        Assert.All(report.Pinned!, p => Assert.Equal((20, 0), (p.Services.Overall.Episodes, p.DifferingEpisodes)));
        Assert.Equal(report.Pinned![1].Services.Overall.Steps, report.Pinned![1].Services.Overall.LargeCalls);
        Assert.Equal(0, report.Pinned![0].Services.Overall.LargeCalls);
        Assert.True(report.Pinned![1].Services.Overall.MeanCostMicros > report.Pinned![0].Services.Overall.MeanCostMicros);
        Assert.True(report.Same);
        // The two differences docs/benchmarks.md explains; any other feature the executor extracts differently fails here.
        Assert.All(report.DifferingFeatures, f => Assert.True(
            f.StartsWith("context_tokens_log ", StringComparison.Ordinal) || f.StartsWith("recent_retries ", StringComparison.Ordinal), f));
    }

    [Fact]
    public async Task ABindingBudgetIsReportedAsADifference()
    {
        // The executor reserves every step's worst case on a 65,536-token input floor; at 100,000 µ$ that masks the
        // large model, which budget-constrained decoding in-process still allows: the comparison must catch it.
        var settings = new ThroughServicesSettings(FrontierSettings.DefaultSeed, TasksPerCell: 4, LimitMicros: 100_000, LargeCallCap: null, Concurrency: 4);

        var report = await ThroughServicesBench.RunAsync(settings, null, CancellationToken.None);

        Assert.False(report.Same);
        Assert.Null(report.Pinned);
        Assert.True(report.DifferingEpisodes > 0);
        Assert.NotEmpty(report.Examples);
    }
}
