using Routing.Features;
using Routing.Onnx;

namespace Routing.Policy.DefaultModel;

/// <summary>
/// The default policy until a trained one ships: a documented heuristic written as an ordinary two-layer
/// network over feature schema v1, served like any other model (no special case in the service).
/// Hidden ReLU units:
/// <list type="bullet">
/// <item><c>first_step</c> = relu(1 − 10·step_log): 1 at step 0, 0 from step 1 on (First-Large).</item>
/// <item><c>trouble</c> = relu(2.5·last_step_failed + 1.5·recent_errors + 0.75·recent_retries
///   + 2·small_failures_log − 1.5·self_confidence + 0.75·has_self_confidence).</item>
/// <item><c>budget</c> = relu(budget_remaining_fraction).</item>
/// </list>
/// Logits: small = 0; large = −2 + 2.5·first_step + trouble + budget. So: large on the first step while the
/// budget is whole, small while things go well, escalate after failures, errors, retries or low confidence,
/// and less readily as the budget drains. The files under DefaultModel/v1 are generated from this class
/// (<c>ROUTING_WRITE_DEFAULT_MODEL=1 dotnet test tests/Routing.Policy.Tests --filter DefaultModel</c>) and a
/// test fails when they drift from it.
/// </summary>
public static class HeuristicPolicy
{
    public const string Version = "v1";

    public static PolicyNetwork Network()
    {
        const int width = FeatureSchemaV1.Width;
        const int hidden = 3;
        var w1 = new float[hidden * width];
        var b1 = new float[hidden];

        w1[(0 * width) + FeatureSchemaV1.StepLog] = -10f;
        b1[0] = 1f;

        w1[(1 * width) + FeatureSchemaV1.LastStepFailed] = 2.5f;
        w1[(1 * width) + FeatureSchemaV1.RecentErrors] = 1.5f;
        w1[(1 * width) + FeatureSchemaV1.RecentRetries] = 0.75f;
        w1[(1 * width) + FeatureSchemaV1.SmallFailuresLog] = 2f;
        w1[(1 * width) + FeatureSchemaV1.SelfConfidence] = -1.5f;
        w1[(1 * width) + FeatureSchemaV1.HasSelfConfidence] = 0.75f;

        w1[(2 * width) + FeatureSchemaV1.BudgetRemainingFraction] = 1f;

        // Output rows: [small, large].
        float[] w2 = [0f, 0f, 0f, 2.5f, 1f, 1f];
        float[] b2 = [0f, -2f];
        return new PolicyNetwork(
        [
            new DenseLayer(width, hidden, w1, b1, Activation.Relu),
            new DenseLayer(hidden, 2, w2, b2, Activation.None),
        ]);
    }

    public static ModelManifest Manifest() => new()
    {
        Format = ModelManifest.CurrentFormat,
        Version = Version,
        Kind = "heuristic",
        Description = "Heuristic default policy, not trained: large on the first step, escalates after failures, errors, " +
            "retries or low self-confidence, less readily as the budget drains. Two-layer network with hand-set weights.",
        FeatureSchemaVersion = FeatureSchemaV1.Version,
        Normalisation = "features-v1",
        Inputs = [new TensorSpec { Name = OnnxPolicyWriter.InputName, ElementType = "float32", Width = FeatureSchemaV1.Width }],
        Outputs = [new TensorSpec { Name = OnnxPolicyWriter.OutputName, ElementType = "float32", Width = 2, Classes = ["small", "large"] }],
        Thresholds = new ManifestThresholds { DefaultCostPreference = 0, ProbabilitySumTolerance = 1e-3 },
        Provenance = new ManifestProvenance
        {
            Generator = "ROUTING_WRITE_DEFAULT_MODEL=1 dotnet test tests/Routing.Policy.Tests --filter DefaultModel",
            Source = "services/Routing.Policy/DefaultModel/HeuristicPolicy.cs",
            TrainingData = null,
            Notes = "Heuristic: no training data. Replace by dropping a trained version directory next to this one.",
        },
    };

    public static byte[] ModelBytes() =>
        OnnxPolicyWriter.Write(Network(), new OnnxModelMetadata(Version, FeatureSchemaV1.Version, Manifest().Description));

    public static byte[] ManifestBytes() => PolicyModelDirectory.ManifestBytes(Manifest());

    /// <summary>Writes <c>model.onnx</c> and <c>manifest.json</c> into <paramref name="directory"/>.</summary>
    public static void WriteTo(string directory) => PolicyModelDirectory.Write(directory, Network(), Manifest());
}
