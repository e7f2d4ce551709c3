using Routing.Cli.Bench;
using Xunit;

namespace Routing.Cli.Tests;

/// <summary>The benchmark's bookkeeping, on a tiny run: it must catch nothing wrong and measure both paths.</summary>
public sealed class BudgetBenchTests
{
    [Fact]
    public async Task TinyRunMeasuresBothPathsWithZeroOverspend()
    {
        var settings = new BudgetBenchSettings(null, null, Callers: 4, Tasks: 8, TimeSpan.FromMilliseconds(300), Rounds: 1, LimitMicros: 50_000);

        var report = await BudgetBenchCommand.RunAsync(settings, CancellationToken.None);

        Assert.True(report.Service.Cycles > 0);
        Assert.True(report.Raw.Cycles > 0);
        Assert.Equal(0, report.OverspendMicros);
        Assert.Equal(0, report.LedgerMismatches);
        Assert.Equal(0, report.Service.Errors + report.Raw.Errors);
        Assert.True(report.Ratio > 0);
    }

    [Fact]
    public async Task BindingLimitsRefuseInsteadOfOverspending()
    {
        var settings = new BudgetBenchSettings(null, null, Callers: 16, Tasks: 2, TimeSpan.FromMilliseconds(400), Rounds: 1, LimitMicros: 20_000);

        var report = await BudgetBenchCommand.RunAsync(settings, CancellationToken.None);

        Assert.True(report.Service.Refused > 0 && report.Raw.Refused > 0, "limits this low must bind");
        Assert.Equal(0, report.OverspendMicros);
        Assert.Equal(0, report.LedgerMismatches);
    }

    [Fact]
    public void SettingsOutOfBoundsAreNamed()
    {
        var problems = new BudgetBenchSettings("http://127.0.0.1:1", null, 0, 1, TimeSpan.FromSeconds(1), 1, 1).Validate();

        Assert.Contains(problems, p => p.StartsWith("--callers", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("--address needs --redis", StringComparison.Ordinal));
    }
}
