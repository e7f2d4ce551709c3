using System.Text.Json;

namespace Routing.Onnx;

/// <summary>
/// Writes one version of a policy the way the policy service's model registry reads it:
/// <c>&lt;root&gt;/&lt;version&gt;/model.onnx</c> and <c>manifest.json</c>.
/// </summary>
public static class PolicyModelDirectory
{
    public const string ModelFileName = "model.onnx";

    public const string ManifestFileName = "manifest.json";

    /// <summary>Writes both files into <paramref name="versionDirectory"/> (created if missing), in place.</summary>
    public static void Write(string versionDirectory, PolicyNetwork network, ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        Directory.CreateDirectory(versionDirectory);
        File.WriteAllBytes(Path.Combine(versionDirectory, ModelFileName),
            OnnxPolicyWriter.Write(network, new OnnxModelMetadata(manifest.Version, manifest.FeatureSchemaVersion, manifest.Description)));
        File.WriteAllBytes(Path.Combine(versionDirectory, ManifestFileName), ManifestBytes(manifest));
    }

    /// <summary>
    /// Publishes a new version into a watched model directory: writes it into a hidden staging directory
    /// beside it, then renames it into place, so the registry never sees a half-written version.
    /// </summary>
    /// <returns>The version's directory.</returns>
    public static string Publish(string root, PolicyNetwork network, ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var target = Path.Combine(root, manifest.Version);
        if (Directory.Exists(target))
        {
            throw new IOException($"version {manifest.Version} already exists in {root}; versions are immutable, publish a new one");
        }
        var staging = Path.Combine(root, $".staging-{Guid.NewGuid():N}");
        Write(staging, network, manifest);
        Directory.Move(staging, target);
        return target;
    }

    /// <summary>The manifest as the registry reads it (snake_case JSON, indented; deterministic).</summary>
    public static byte[] ManifestBytes(ModelManifest manifest) =>
        JsonSerializer.SerializeToUtf8Bytes(manifest, ManifestJsonContext.Default.ModelManifest);
}
