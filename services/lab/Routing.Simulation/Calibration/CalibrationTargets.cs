using System.Security.Cryptography;
using System.Text.Json;
using Routing.Simulation.Parameters;
using Routing.Simulation.Tasks;

namespace Routing.Simulation.Calibration;

/// <summary>
/// The per-bin pass@1 targets (percent) read from an HST-Bench targets file such as the committed
/// <c>Calibration/hst-targets.json</c> (docs/simulator.md). Only the fit reads this; the library ships a copy of the
/// values inside its parameters file.
/// </summary>
public sealed class CalibrationTargets
{
    private CalibrationTargets(string sourceName, string sha256, IReadOnlyDictionary<string, IReadOnlyDictionary<string, TargetRow>> passAt1, IReadOnlyDictionary<string, IReadOnlyList<int>> tasksPerBin, IReadOnlyDictionary<string, (long In, long Out)> pricesMicrosPerMTok, IReadOnlyDictionary<string, double> oraclePassAt1)
    {
        SourceName = sourceName;
        Sha256 = sha256;
        PassAt1 = passAt1;
        TasksPerBin = tasksPerBin;
        PricesMicrosPerMTok = pricesMicrosPerMTok;
        OraclePassAt1 = oraclePassAt1;
    }

    /// <summary>How the file was named when read (recorded in the parameters file).</summary>
    public string SourceName { get; }

    /// <summary>SHA-256 of the file's bytes, hex, so a parameters file names exactly what it was fitted to.</summary>
    public string Sha256 { get; }

    /// <summary>Domain → agent → five per-bin pass@1 values (percent) with provenance.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, TargetRow>> PassAt1 { get; }

    public IReadOnlyDictionary<string, IReadOnlyList<int>> TasksPerBin { get; }

    /// <summary>Agent → (input, output) price in micro-dollars per million tokens, for the SALE pool and the step pair.</summary>
    public IReadOnlyDictionary<string, (long In, long Out)> PricesMicrosPerMTok { get; }

    /// <summary>Domain → published oracle pass@1 (percent): the best pool agent per task. Empty when the file has none.</summary>
    public IReadOnlyDictionary<string, double> OraclePassAt1 { get; }

    public static CalibrationTargets Load(string path, string? sourceName = null) =>
        Parse(File.ReadAllBytes(path), sourceName ?? path);

    public static CalibrationTargets Parse(byte[] json, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(json);
        var sha = Convert.ToHexStringLower(SHA256.HashData(json));
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;

        var passAt1 = new Dictionary<string, IReadOnlyDictionary<string, TargetRow>>();
        foreach (var domain in root.GetProperty("pass_at_1").EnumerateObject())
        {
            TaskSpace.Parse(domain.Name);
            var agents = new Dictionary<string, TargetRow>();
            foreach (var agent in domain.Value.EnumerateObject())
            {
                var values = agent.Value.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
                var provenance = agent.Value.GetProperty("provenance").EnumerateArray().Select(v => v.GetString() ?? "").ToArray();
                if (values.Length != TaskSpace.BinCount || provenance.Length != TaskSpace.BinCount)
                {
                    throw new FormatException($"{sourceName}: pass_at_1.{domain.Name}.{agent.Name} needs {TaskSpace.BinCount} values and provenances.");
                }

                agents[agent.Name] = new TargetRow { Values = values, Provenance = provenance };
            }

            passAt1[domain.Name] = agents;
        }

        var tasksPerBin = new Dictionary<string, IReadOnlyList<int>>();
        foreach (var domain in root.GetProperty("tasks_per_bin").EnumerateObject())
        {
            tasksPerBin[domain.Name] = domain.Value.EnumerateArray().Select(v => v.GetInt32()).ToArray();
        }

        var prices = new Dictionary<string, (long, long)>();
        foreach (var agent in root.GetProperty("prices_usd_per_mtok").EnumerateObject())
        {
            var micros = ToMicros(agent.Value.GetDouble());
            prices[agent.Name] = (micros, micros);
        }

        if (root.TryGetProperty("step_routing_reference", out var step) && step.TryGetProperty("prices_usd_per_mtok", out var stepPrices))
        {
            foreach (var agent in stepPrices.EnumerateObject())
            {
                prices[agent.Name] = (ToMicros(agent.Value[0].GetDouble()), ToMicros(agent.Value[1].GetDouble()));
            }
        }

        var oracle = new Dictionary<string, double>();
        if (root.TryGetProperty("published_overall", out var overall))
        {
            foreach (var domain in overall.EnumerateObject())
            {
                if (domain.Value.ValueKind == JsonValueKind.Object && domain.Value.TryGetProperty("oracle", out var value))
                {
                    oracle[domain.Name] = value.GetDouble();
                }
            }
        }

        return new CalibrationTargets(sourceName, sha, passAt1, tasksPerBin, prices, oracle);
    }

    private static long ToMicros(double usdPerMTok) => (long)Math.Round(usdPerMTok * 1_000_000);
}
