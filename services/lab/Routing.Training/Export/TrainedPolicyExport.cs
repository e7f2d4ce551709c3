using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Routing.Features;
using Routing.Onnx;
using Routing.Training.Pipeline;
using Routing.Training.Rollouts;

namespace Routing.Training.Export;

/// <summary>
/// Writes trained policies as the policy service's registry reads them: <c>&lt;version&gt;/model.onnx</c> +
/// <c>manifest.json</c> (feature schema version, provenance: data, seeds, config hash, validation metrics), plus
/// <c>training.json</c> beside them with the full configuration, class counts and learning curve.
/// </summary>
public static class TrainedPolicyExport
{
    public const string TrainingFileName = "training.json";

    public static ModelManifest Manifest(string version, TrainedPolicy policy, TrainingResult result, string command)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(result);
        var inv = CultureInfo.InvariantCulture;
        var config = result.Config;
        var v = policy.Validation;
        var large = result.ValidationAlwaysLarge;
        return new ModelManifest
        {
            Format = ModelManifest.CurrentFormat,
            Version = version,
            Kind = "trained",
            Description = result.DataSource is null
                ? $"Step-routing policy '{policy.Name}' ({policy.Description}), trained on the agent simulator's step pair (gpt-4.1-mini/gpt-4.1-like). Simulator-trained: not validated on real agents."
                : $"Step-routing policy '{policy.Name}' ({policy.Description}), trained from an executor episode log (small = tier 0, large = the pool's largest tier).",
            FeatureSchemaVersion = FeatureSchemaV1.Version,
            Normalisation = "features-v1",
            Inputs = [new TensorSpec { Name = OnnxPolicyWriter.InputName, ElementType = "float32", Width = FeatureSchemaV1.Width }],
            Outputs = [new TensorSpec { Name = OnnxPolicyWriter.OutputName, ElementType = "float32", Width = 2, Classes = [.. PolicyAction.Classes] }],
            Thresholds = new ManifestThresholds { DefaultCostPreference = 0, ProbabilitySumTolerance = 1e-3 },
            Provenance = new ManifestProvenance
            {
                Generator = command,
                Source = string.Create(inv, $"Routing.Training {policy.Name}; seed {config.Seed}; config sha256 {ConfigHash(config)}"),
                TrainingData = result.DataSource is { } source
                    ? string.Create(inv, $"{source}; easy {result.ClassCounts[0]}, hard {result.ClassCounts[1]}, intractable {result.ClassCounts[2]}; {result.SftSamples} SFT steps")
                    : string.Create(inv,
                    $"simulator step pair, {result.Boundary.Count} training tasks (seed {config.Seed}, {config.TrainingTasksPerCell} per domain×bin), boundary K={config.BoundaryAttempts}{(result.BoundarySource is { } b ? $" and SFT sweep played through {b}" : " in-process")}; easy {result.ClassCounts[0]}, hard {result.ClassCounts[1]}, intractable {result.ClassCounts[2]}; {result.SftSamples} SFT steps{(result.AuctionSource is { } a ? $"; auction outcomes in the features: {a}" : "")}"),
                Notes = v.Episodes == 0
                    ? $"not validated: trained from an episode log, without an environment to run it in (`routing bench routing --policies` measures it on the simulator). Full configuration in {TrainingFileName}."
                    : string.Create(inv,
                    $"validation (seed {config.Seed + 1}, {v.Episodes} tasks, greedy, simulator): success {v.SuccessRate:P1}, mean cost {v.MeanCostMicros:F0} µ$, large share {v.LargeShare:P0}; always-large {large.SuccessRate:P1} at {large.MeanCostMicros:F0} µ$, always-small {result.ValidationAlwaysSmall.SuccessRate:P1} at {result.ValidationAlwaysSmall.MeanCostMicros:F0} µ$. Full configuration and learning curve in {TrainingFileName}."),
            },
        };
    }

    /// <summary>Writes one version directory in place (use <see cref="Publish"/> for a watched directory).</summary>
    public static void Write(string versionDirectory, TrainedPolicy policy, TrainingResult result, string command)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var manifest = Manifest(Path.GetFileName(Path.TrimEndingDirectorySeparator(versionDirectory)), policy, result, command);
        PolicyModelDirectory.Write(versionDirectory, policy.Parameters.ToPolicyNetwork(), manifest);
        File.WriteAllBytes(Path.Combine(versionDirectory, TrainingFileName), TrainingRecordBytes(policy, result));
    }

    /// <summary>Publishes a new version into a model directory the policy service watches (staged, then renamed).</summary>
    public static string Publish(string root, string version, TrainedPolicy policy, TrainingResult result, string command)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var target = PolicyModelDirectory.Publish(root, policy.Parameters.ToPolicyNetwork(), Manifest(version, policy, result, command));
        File.WriteAllBytes(Path.Combine(target, TrainingFileName), TrainingRecordBytes(policy, result));
        return target;
    }

    public static string ConfigHash(TrainingConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(config with { Threads = 1 } is var c ? c.ToJson() : "")))[..16];
    }

    private static byte[] TrainingRecordBytes(TrainedPolicy policy, TrainingResult result)
    {
        var record = new TrainingRecord(
            policy.Name, policy.Description, result.Config with { Threads = 1 }, ConfigHash(result.Config),
            [.. result.ClassCounts], result.SftSamples, result.SftFinalLoss, policy.Validation, result.ValidationAlwaysSmall,
            result.ValidationAlwaysLarge, [.. policy.RewardPerIteration], result.Elapsed.TotalSeconds);
        return JsonSerializer.SerializeToUtf8Bytes(record, TrainingRecordJsonContext.Default.TrainingRecord);
    }
}

/// <summary>The content of <c>training.json</c> (threads are recorded as 1: results do not depend on them).</summary>
public sealed record TrainingRecord(
    string Policy, string Description, TrainingConfig Config, string ConfigSha256Prefix, int[] ClassCountsEasyHardIntractable, int SftSamples,
    double SftFinalLoss, EvaluationFigures Validation, EvaluationFigures ValidationAlwaysSmall, EvaluationFigures ValidationAlwaysLarge,
    double[] MeanRewardPerIteration, double TrainingSeconds);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(TrainingRecord))]
public sealed partial class TrainingRecordJsonContext : JsonSerializerContext;
