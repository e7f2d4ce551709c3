using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Routing.Features;
using Routing.Onnx;
using Routing.Policy.Batching;
using Routing.Policy.Inference;
using Routing.Policy.Options;

namespace Routing.Policy.Models;

/// <summary>A version directory that failed validation; the message says what is wrong.</summary>
public sealed class ModelValidationException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Loads one version directory and validates it before it may serve: the manifest (format, version name,
/// known feature schema, widths, action classes), the ONNX graph's declared input and output against the
/// manifest, and a smoke inference whose probabilities must be finite, in [0, 1] and sum to 1 per row.
/// </summary>
public sealed class ModelLoader(SessionFactory sessions)
{
    public const string ModelFileName = PolicyModelDirectory.ModelFileName;

    public const string ManifestFileName = PolicyModelDirectory.ManifestFileName;

    /// <summary>The action classes schema v1 models must output, in column order.</summary>
    public static readonly IReadOnlyList<string> ActionClassesV1 = ["small", "large"];

    public static string Fingerprint(string directory)
    {
        var model = new FileInfo(Path.Combine(directory, ModelFileName));
        var manifest = new FileInfo(Path.Combine(directory, ManifestFileName));
        return string.Create(CultureInfo.InvariantCulture,
            $"{(model.Exists ? model.Length : -1)}:{(model.Exists ? model.LastWriteTimeUtc.Ticks : 0)}:{(manifest.Exists ? manifest.Length : -1)}:{(manifest.Exists ? manifest.LastWriteTimeUtc.Ticks : 0)}");
    }

    public LoadedModel Load(string directory, BatchingOptions batching)
    {
        var version = Path.GetFileName(Path.TrimEndingDirectorySeparator(directory));
        var fingerprint = Fingerprint(directory);
        var manifest = ReadManifest(directory, version);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(Path.Combine(directory, ModelFileName));
        }
        catch (IOException exception)
        {
            throw new ModelValidationException($"{ModelFileName} cannot be read: {exception.Message}", exception);
        }

        InferenceSession session;
        try
        {
            session = sessions.Create(bytes);
        }
        catch (OnnxRuntimeException exception)
        {
            throw new ModelValidationException($"{ModelFileName} is not a loadable ONNX model: {exception.Message}", exception);
        }

        PolicySession? policy = null;
        try
        {
            var input = manifest.Inputs[0];
            var output = manifest.Outputs[0];
            CheckSignature(session.InputMetadata, "input", input);
            CheckSignature(session.OutputMetadata, "output", output);
            policy = new PolicySession(session, input.Name, output.Name, input.Width, output.Width, sessions.ActiveProvider);
            SmokeTest(policy, manifest);
            var batcher = new DynamicBatcher(policy, batching, version);
            return new LoadedModel(version, directory, manifest, policy, batcher, Convert.ToHexStringLower(SHA256.HashData(bytes)), fingerprint);
        }
        catch
        {
            if (policy is null)
            {
                session.Dispose();
            }
            else
            {
                policy.Dispose();
            }
            throw;
        }
    }

    private static ModelManifest ReadManifest(string directory, string version)
    {
        ModelManifest? manifest;
        try
        {
            using var stream = File.OpenRead(Path.Combine(directory, ManifestFileName));
            manifest = JsonSerializer.Deserialize(stream, ManifestJsonContext.Default.ModelManifest);
        }
        catch (FileNotFoundException)
        {
            throw new ModelValidationException($"{ManifestFileName} is missing");
        }
        catch (Exception exception) when (exception is JsonException or IOException)
        {
            throw new ModelValidationException($"{ManifestFileName} is unreadable: {exception.Message}", exception);
        }
        if (manifest is null)
        {
            throw new ModelValidationException($"{ManifestFileName} is empty");
        }
        if (manifest.Format != ModelManifest.CurrentFormat)
        {
            throw new ModelValidationException($"{ManifestFileName}: format must be {ModelManifest.CurrentFormat} (got {manifest.Format})");
        }
        if (manifest.Version != version)
        {
            throw new ModelValidationException($"{ManifestFileName}: version '{manifest.Version}' does not match its directory '{version}'");
        }
        if (manifest.Kind is not ("heuristic" or "trained"))
        {
            throw new ModelValidationException($"{ManifestFileName}: kind must be 'heuristic' or 'trained' (got '{manifest.Kind}')");
        }
        var width = FeatureSchema.WidthOf(manifest.FeatureSchemaVersion);
        if (width == 0)
        {
            throw new ModelValidationException($"{ManifestFileName}: feature_schema_version {manifest.FeatureSchemaVersion} is unknown to this service (it knows {FeatureSchema.CurrentVersion})");
        }
        if (manifest.Normalisation != $"features-v{manifest.FeatureSchemaVersion}")
        {
            throw new ModelValidationException($"{ManifestFileName}: normalisation must be 'features-v{manifest.FeatureSchemaVersion}' (got '{manifest.Normalisation}')");
        }
        if (manifest.Inputs.Count != 1 || manifest.Inputs[0].Width != width || manifest.Inputs[0].ElementType != "float32")
        {
            throw new ModelValidationException($"{ManifestFileName}: inputs must be one float32 tensor of width {width} for feature schema {manifest.FeatureSchemaVersion}");
        }
        if (manifest.Outputs.Count != 1 || manifest.Outputs[0].ElementType != "float32" || manifest.Outputs[0].Classes is not { } classes
            || !classes.SequenceEqual(ActionClassesV1) || manifest.Outputs[0].Width != classes.Count)
        {
            throw new ModelValidationException($"{ManifestFileName}: outputs must be one float32 tensor of width 2 with classes [\"small\", \"large\"]");
        }
        var lambda = manifest.Thresholds.DefaultCostPreference;
        if (!double.IsFinite(lambda) || lambda < 0 || lambda > 1_000)
        {
            throw new ModelValidationException($"{ManifestFileName}: thresholds.default_cost_preference must be between 0 and 1000 (got {lambda})");
        }
        var tolerance = manifest.Thresholds.ProbabilitySumTolerance;
        if (!double.IsFinite(tolerance) || tolerance <= 0 || tolerance > 0.1)
        {
            throw new ModelValidationException($"{ManifestFileName}: thresholds.probability_sum_tolerance must be > 0 and ≤ 0.1 (got {tolerance})");
        }
        return manifest;
    }

    private static void CheckSignature(IReadOnlyDictionary<string, NodeMetadata> metadata, string what, TensorSpec spec)
    {
        if (metadata.Count != 1 || !metadata.TryGetValue(spec.Name, out var node))
        {
            throw new ModelValidationException($"the model's {what}s ({string.Join(", ", metadata.Keys)}) are not exactly the manifest's '{spec.Name}'");
        }
        var dims = node.Dimensions;
        if (node.ElementDataType != TensorElementType.Float || dims.Length != 2 || dims[0] > 1 || dims[1] != spec.Width)
        {
            throw new ModelValidationException(
                $"the model's {what} '{spec.Name}' is {node.ElementDataType}[{string.Join(", ", dims)}], not float[batch, {spec.Width}] as the manifest says");
        }
    }

    /// <summary>Three rows (all zero, a fixed pseudo-random row, all one) must give sane probabilities.</summary>
    private static void SmokeTest(PolicySession session, ModelManifest manifest)
    {
        var width = session.InputWidth;
        var rows = new float[3 * width];
        var state = 0x2545F491u;
        for (var i = 0; i < width; i++)
        {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            rows[width + i] = state / (float)uint.MaxValue;
            rows[2 * width + i] = 1f;
        }
        float[] output;
        try
        {
            output = session.RunRows(rows);
        }
        catch (OnnxRuntimeException exception)
        {
            throw new ModelValidationException($"the smoke inference failed: {exception.Message}", exception);
        }
        for (var r = 0; r < 3; r++)
        {
            var sum = 0.0;
            for (var c = 0; c < session.OutputWidth; c++)
            {
                var p = output[r * session.OutputWidth + c];
                if (!float.IsFinite(p) || p < 0 || p > 1)
                {
                    throw new ModelValidationException($"the smoke inference gave probability {p} (row {r}, class {c}); probabilities must be finite and in [0, 1]");
                }
                sum += p;
            }
            if (Math.Abs(sum - 1) > manifest.Thresholds.ProbabilitySumTolerance)
            {
                throw new ModelValidationException($"the smoke inference's probabilities of row {r} sum to {sum}, not 1");
            }
        }
    }
}
