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
        // RunTask declares each step's context and retry count, so every feature the executor extracts is the bridge's.
        Assert.Empty(report.DifferingFeatures);
    }

    [Fact]
    public async Task WithAnAuctionOnOpenTheServedPolicySeesWhatTheInProcessPolicySees()
    {
        // The executor auctions each task on open and charges it; the in-process side runs the same auctions
        // (StepPairAuctions with the executor's prompt domain) and shows their outcome and cost in the features.
        var settings = new ThroughServicesSettings(99_003, TasksPerCell: 2, ThroughServicesSettings.NonBindingLimitMicros, LargeCallCap: null, Concurrency: 4, Auctions: true);

        var report = await ThroughServicesBench.RunAsync(settings, null, CancellationToken.None);

        Assert.EndsWith("+auction", report.Strategy, StringComparison.Ordinal);
        Assert.Equal(20, report.Services.Overall.Episodes);
        Assert.Equal(0, report.DifferingEpisodes);
        Assert.Empty(report.DifferingFeatures);
        Assert.True(report.Same);
    }

    [Fact]
    public async Task ABindingBudgetGivesTheSameEpisodesToo()
    {
        // RunTask declares each step's simulated context (signals.context_tokens) and the bench runs the executor
        // without an input floor, so a reservation bounds a step exactly as budget-constrained decoding does
        // in-process: at 100,000 µ$ the limit binds on hard tasks and both sides must still play alike.
        var settings = new ThroughServicesSettings(FrontierSettings.DefaultSeed, TasksPerCell: 4, LimitMicros: 100_000, LargeCallCap: null, Concurrency: 4);

        var report = await ThroughServicesBench.RunAsync(settings, null, CancellationToken.None);

        Assert.Null(report.Pinned);
        Assert.Equal(0, report.DifferingEpisodes);
        Assert.True(report.Same);
        Assert.Empty(report.DifferingFeatures);
        Assert.InRange(report.Services.Overall.MeanCostMicros, 1, 100_000);
    }
}
