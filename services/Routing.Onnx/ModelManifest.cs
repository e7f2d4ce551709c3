using System.Text.Json.Serialization;

namespace Routing.Onnx;

/// <summary>
/// <c>manifest.json</c> beside every <c>model.onnx</c>: what the model expects and produces, how its output is
/// read, and where it came from. The registry validates a model against it before the model serves.
/// </summary>
public sealed class ModelManifest
{
    public const int CurrentFormat = 1;

    public int Format { get; set; }

    /// <summary>Must equal the version directory's name.</summary>
    public string Version { get; set; } = "";

    /// <summary>"heuristic" (hand-set weights) or "trained".</summary>
    public string Kind { get; set; } = "";

    public string Description { get; set; } = "";

    public int FeatureSchemaVersion { get; set; }

    /// <summary>The feature normalisation the model expects, e.g. "features-v1" (docs/features.md).</summary>
    public string Normalisation { get; set; } = "";

    public List<TensorSpec> Inputs { get; set; } = [];

    public List<TensorSpec> Outputs { get; set; } = [];

    public ManifestThresholds Thresholds { get; set; } = new();

    public ManifestProvenance Provenance { get; set; } = new();
}

/// <summary>One float tensor [batch, width].</summary>
public sealed class TensorSpec
{
    public string Name { get; set; } = "";

    public string ElementType { get; set; } = "float32";

    public int Width { get; set; }

    /// <summary>For the output: the action class of each column, e.g. ["small", "large"].</summary>
    public List<string>? Classes { get; set; }
}

/// <summary>How the output becomes a decision, and the sanity bounds a smoke inference must meet.</summary>
public sealed class ManifestThresholds
{
    /// <summary>Cost preference λ applied when a request names none.</summary>
    public double DefaultCostPreference { get; set; }

    /// <summary>Largest deviation of a probability row's sum from 1 that validation accepts.</summary>
    public double ProbabilitySumTolerance { get; set; } = 1e-3;
}

public sealed class ManifestProvenance
{
    /// <summary>What wrote the model (a command or a training run).</summary>
    public string Generator { get; set; } = "";

    /// <summary>Source of the weights: a file and function for a heuristic, a data set and run id for a trained one.</summary>
    public string Source { get; set; } = "";

    public string? TrainingData { get; set; }

    public string? Notes { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip)]
[JsonSerializable(typeof(ModelManifest))]
public sealed partial class ManifestJsonContext : JsonSerializerContext;
