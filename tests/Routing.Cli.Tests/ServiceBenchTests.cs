using Routing.Cli.Bench;
using Xunit;

namespace Routing.Cli.Tests;

/// <summary>
/// Tiny runs of the policy, memory and executor benchmarks: every side is measured, nothing fails, and the exactness
/// checks agree. Their figures belong in docs/benchmarks.md, never in assertions.
/// </summary>
public sealed class ServiceBenchTests
{
    [Fact]
    public async Task PolicyBenchMeasuresEchoAndBothPolicyModesWithoutErrors()
    {
        var settings = new PolicyBenchSettings([4], TimeSpan.FromMilliseconds(200), Rounds: 1,
            OrtDuration: TimeSpan.FromMilliseconds(50), OrtMaxBatch: 4, ExecutionProvider: "Cpu");

        var report = await PolicyBenchCommand.RunAsync(settings, CancellationToken.None);

        Assert.Equal(["echo", "policy-batched", "policy-unbatched"], report.Phases.Select(p => p.Target).Order());
        Assert.All(report.Phases, p => Assert.True(p.Requests > 0 && p.Errors == 0, $"{p.Target}: {p.Requests} requests, {p.Errors} errors"));
        Assert.Contains(report.Ort, o => o.BatchSize == 4 && o.RowsPerSecond > 0);
    }

    [Fact]
    public async Task MemoryBenchRetrievesExactlyWhatTheNaiveScanFinds()
    {
        var settings = MemoryBenchSettings.Parse(null, "300", queries: 20, k: 4, dimension: 64, callers: 2, out var problems);
        Assert.Empty(problems);

        var report = await MemoryBenchCommand.RunAsync(settings!, CancellationToken.None);

        var size = Assert.Single(report.Sizes);
        Assert.Equal(300, size.Indexed);
        Assert.Equal(0, size.ResultMismatches);
        Assert.True(size.MemoryRatio > 0);
    }

    [Fact]
    public async Task ExecutorBenchMeasuresBothPathsWithoutErrorsOrOverruns()
    {
        var report = await ExecutorBenchCommand.RunAsync(callers: 2, TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(200), CancellationToken.None);

        Assert.True(report.Direct.Steps > 0 && report.Direct.Errors == 0, $"direct: {report.Direct.Steps} steps, {report.Direct.Errors} errors");
        Assert.True(report.Executor.Steps > 0 && report.Executor.Errors == 0, $"executor: {report.Executor.Steps} steps, {report.Executor.Errors} errors");
        Assert.Equal(0, report.OverrunMicros);
        // CPU and allocation are process-wide counters, which the other test classes running in parallel in this
        // process also move: only that both paths report them is checked here (their comparison is the bench's job).
        Assert.All([report.Direct.CpuMsPerStep, report.Executor.CpuMsPerStep, report.Direct.AllocatedKbPerStep, report.Executor.AllocatedKbPerStep],
            v => Assert.True(double.IsFinite(v) && v > 0, $"per-step figure {v}"));
        // begin_step, record_step and the episode-log append (its own script since the log may live on its own
        // Redis) on the executor's Redis, reserve and commit on the budget's (plus the odd background poll).
        Assert.InRange(report.ExecutorRedisOpsPerStep, 2.9, 3.5);
        Assert.InRange(report.BudgetRedisOpsPerStep, 1.9, 2.5);
    }
}
