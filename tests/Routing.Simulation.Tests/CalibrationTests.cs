using Routing.Simulation.Calibration;
using Routing.Simulation.Tasks;

namespace Routing.Simulation.Tests;

public sealed class CalibrationTests
{
    // A seed used neither by the fit (20260501) nor by its own check (20260502).
    private const ulong CheckSeed = 777;

    // 20k episodes per cell: the sampling error of a pass rate is ≤ 0.35 points, far inside the ±3 band.
    private const int EpisodesPerCell = 20_000;

    [Fact]
    public void EveryCellIsWithinThreePointsOfItsTarget()
    {
        var parameters = SimulatorModel.Default.Parameters;

        var cells = SimulatorCalibration.Evaluate(parameters, CheckSeed, EpisodesPerCell, includeStructuralOnly: false);

        Assert.Equal(2 * 4 * TaskSpace.BinCount, cells.Count);
        var misses = cells.Where(c => Math.Abs(c.Error) > 3.0).Select(c => $"{c.Domain} bin {c.Bin} {c.Agent}: target {c.Target}, simulated {c.Simulated}").ToArray();
        Assert.True(misses.Length == 0, "Cells off by more than 3 points:\n" + string.Join('\n', misses));
    }

    [Fact]
    public void PoolOracleIsWithinTwoPointsOfThePublishedOracle()
    {
        var parameters = SimulatorModel.Default.Parameters;

        var oracle = SimulatorCalibration.EvaluateOracle(parameters, CheckSeed, EpisodesPerCell);

        Assert.Equal(["search", "coding"], oracle.Select(o => o.Domain));
        Assert.Equal(77.9, oracle[0].Target);
        Assert.Equal(68.4, oracle[1].Target);
        Assert.All(oracle, o => Assert.True(Math.Abs(o.Error) <= 2.0, $"{o.Domain}: oracle {o.Simulated} vs published {o.Target}"));
        // The published gap over always-32B is 14.1 (search) and 10.0 (coding) points; a shared difficulty alone gave ~1.5.
        Assert.All(oracle, o => Assert.True(o.Simulated - o.Largest > 7.0, $"{o.Domain}: oracle {o.Simulated} vs largest {o.Largest}"));
    }

    [Fact]
    public void ParametersFileRecordsTheTargetsItWasFittedTo()
    {
        var parameters = SimulatorModel.Default.Parameters;

        Assert.Equal(1, parameters.SchemaVersion);
        Assert.EndsWith("hst-targets.json", parameters.FittedTo.TargetsFile, StringComparison.Ordinal);
        Assert.Equal(64, parameters.FittedTo.TargetsSha256.Length);
        Assert.Equal(87.5, parameters.Targets["search"]["qwen3-32b"].Values[0]);
        Assert.Equal("published", parameters.Targets["coding"]["qwen3-32b"].Provenance[1]);
        Assert.Equal(40, parameters.FitReport.Count);
        Assert.All(parameters.FitReport, c => Assert.InRange(Math.Abs(c.Error), 0, 3));
        Assert.Equal(2, parameters.OracleReport.Count);
        Assert.All(parameters.OracleReport, o => Assert.InRange(Math.Abs(o.Error), 0, 2));
        Assert.All(parameters.Domains, d => Assert.True(d.AffinitySpread > 0, $"{d.Name}: no affinity"));
    }

    [Fact]
    public void TheCommittedTargetsFileIsTheOneTheShippedParametersWereFittedTo()
    {
        var fittedTo = SimulatorModel.Default.Parameters.FittedTo;

        var committed = CalibrationTargets.Load(Path.Combine(AppContext.BaseDirectory, "hst-targets.json"));

        Assert.Equal("services/lab/Routing.Simulation/Calibration/hst-targets.json", fittedTo.TargetsFile);
        Assert.Equal(fittedTo.TargetsSha256, committed.Sha256);
        Assert.Equal(SimulatorModel.Default.Parameters.Targets["coding"]["qwen3-32b"].Values, committed.PassAt1["coding"]["qwen3-32b"].Values);
    }

    [Fact]
    public void TargetsFileParsesPassRatesAndPrices()
    {
        var json = """
            {
              "tasks_per_bin": {"search": [1, 2, 3, 4, 5]},
              "prices_usd_per_mtok": {"qwen3-4b": 0.05},
              "pass_at_1": {"search": {"qwen3-4b": {"values": [90, 70, 50, 30, 10], "provenance": ["published", "shape", "shape", "shape", "derived"]}}},
              "step_routing_reference": {"prices_usd_per_mtok": {"gpt-4.1": [2.00, 8.00]}}
            }
            """u8.ToArray();

        var targets = CalibrationTargets.Parse(json, "inline");

        Assert.Equal(50, targets.PassAt1["search"]["qwen3-4b"].Values[2]);
        Assert.Equal((50_000L, 50_000L), targets.PricesMicrosPerMTok["qwen3-4b"]);
        Assert.Equal((2_000_000L, 8_000_000L), targets.PricesMicrosPerMTok["gpt-4.1"]);
        Assert.Empty(targets.OraclePassAt1);
        Assert.Equal(64, targets.Sha256.Length);
    }

    [Fact]
    public void FitOnTinyTargetsConvergesAndKeepsDynamics()
    {
        var json = """
            {
              "tasks_per_bin": {"coding": [10, 10, 10, 10, 10]},
              "prices_usd_per_mtok": {"qwen3-4b": 0.05, "qwen3-32b": 0.36},
              "pass_at_1": {"coding": {
                "qwen3-4b": {"values": [80, 60, 40, 20, 5], "provenance": ["shape", "shape", "shape", "shape", "shape"]},
                "qwen3-32b": {"values": [90, 75, 55, 35, 15], "provenance": ["shape", "shape", "shape", "shape", "shape"]}}}
            }
            """u8.ToArray();
        var template = SimulatorModel.Default.Parameters;

        var fit = SimulatorCalibration.Fit(CalibrationTargets.Parse(json, "inline"), seed: 5, episodesPerCell: 2_000, template: template);

        Assert.Equal(10, fit.Cells.Count);
        Assert.True(fit.MaxAbsError < 4.0, $"max error {fit.MaxAbsError}");
        Assert.Equal(template.Dynamics, fit.Parameters.Dynamics);
        var coding = fit.Parameters.Agents.Single(a => a.Name == "qwen3-32b").Capability["coding"];
        Assert.True(coding > fit.Parameters.Agents.Single(a => a.Name == "qwen3-4b").Capability["coding"]);
        // No published oracle in these targets: the affinity spread stays the template's and nothing is reported.
        Assert.Equal(template.Domains[1].AffinitySpread, fit.Parameters.Domains[1].AffinitySpread);
        Assert.Empty(fit.Oracle);
        Assert.Equal(SimulatorModel.SerializeParameters(fit.Parameters), SimulatorModel.SerializeParameters(SimulatorModel.ParseParameters(SimulatorModel.SerializeParameters(fit.Parameters))));
    }

    [Fact]
    public void ParametersSurviveAJsonRoundTrip()
    {
        var parameters = SimulatorModel.Default.Parameters;

        var copy = SimulatorModel.ParseParameters(SimulatorModel.SerializeParameters(parameters));

        Assert.Equal(SimulatorModel.SerializeParameters(parameters), SimulatorModel.SerializeParameters(copy));
    }
}
