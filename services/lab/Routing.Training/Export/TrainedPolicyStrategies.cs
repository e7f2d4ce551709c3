using System.Globalization;
using Routing.Onnx;
using Routing.Simulation.Benchmark;
using Routing.Training.Bopo;
using Routing.Training.Features;
using Routing.Training.Network;
using Routing.Training.Pipeline;
using Routing.Training.Rollouts;

namespace Routing.Training.Export;

/// <summary>
/// Trained policies as frontier strategies: every <c>DIR/&lt;name&gt;/model.onnx</c> becomes the strategy
/// <c>&lt;name&gt;</c>, deciding greedily as the policy service does (at each given operating point λ; a row
/// per λ, named <c>&lt;name&gt;@λ</c> except at λ 0) from the v1 features of each simulated step, under the run's
/// budget and cap (the evaluator adds budget-constrained decoding).
/// </summary>
public static class TrainedPolicyStrategies
{
    /// <param name="auctions">When given, every row is repeated as <c>&lt;row&gt;+auction</c>: the policy sees each task's auction
    /// outcome and the task's cost includes the auction's.</param>
    public static IReadOnlyList<RoutingStrategy> Load(string directory, long? budgetMicros, int? largeCallCap, IReadOnlyList<double>? costPreferences = null, ITaskAuctions? auctions = null)
    {
        costPreferences ??= [0];
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"policy directory {directory} does not exist");
        }

        var known = new List<string> { PolicyTrainingPipeline.SftOnlyName };
        known.AddRange(BopoVariant.All.Select(v => v.Name));
        var found = Directory.GetDirectories(directory)
            .Where(d => File.Exists(Path.Combine(d, PolicyModelDirectory.ModelFileName)))
            .Select(d => (Name: Path.GetFileName(d), Path: Path.Combine(d, PolicyModelDirectory.ModelFileName)))
            .OrderBy(p => known.IndexOf(p.Name) is var i && i >= 0 ? i : known.Count)
            .ThenBy(p => p.Name, StringComparer.Ordinal)
            .ToList();
        if (found.Count == 0)
        {
            throw new FileNotFoundException($"no <name>/{PolicyModelDirectory.ModelFileName} under {directory}");
        }

        var constraints = new EpisodeConstraints(budgetMicros, largeCallCap);
        var strategies = new List<RoutingStrategy>(found.Count);
        foreach (var (name, path) in found)
        {
            var parameters = MlpParameters.FromPolicyNetwork(OnnxPolicyReader.ReadFile(path));
            foreach (var withAuction in auctions is null ? [false] : new[] { false, true })
            {
                foreach (var lambda in costPreferences)
                {
                    var row = (withAuction ? name + "+auction" : name) + (lambda == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $"@{lambda:0.###}"));
                    var seen = withAuction ? auctions : null;
                    strategies.Add(new RoutingStrategy(row, (_, _) => new PolicyStepRouter(parameters, sample: false, constraints) { CostPreference = lambda, Auctions = seen })
                    {
                        OverheadMicros = seen is null ? null : task => seen.CostMicros(task),
                    });
                }
            }
        }

        return strategies;
    }
}
