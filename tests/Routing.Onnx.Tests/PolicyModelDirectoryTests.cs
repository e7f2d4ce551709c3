using System.Text.Json;
using Xunit;

namespace Routing.Onnx.Tests;

public sealed class PolicyModelDirectoryTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "routing-onnx-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public void PublishPutsBothFilesInTheVersionDirectoryAndLeavesNoStaging()
    {
        var manifest = Manifest("v7");

        var directory = PolicyModelDirectory.Publish(_root, OnnxWriterTests.RandomNetwork(1, 152, 2), manifest);

        Assert.Equal(Path.Combine(_root, "v7"), directory);
        Assert.True(File.Exists(Path.Combine(directory, PolicyModelDirectory.ModelFileName)));
        var read = JsonSerializer.Deserialize(File.ReadAllBytes(Path.Combine(directory, PolicyModelDirectory.ManifestFileName)), ManifestJsonContext.Default.ModelManifest);
        Assert.Equal("v7", read!.Version);
        Assert.Equal(["small", "large"], read.Outputs[0].Classes!);
        Assert.Single(Directory.EnumerateDirectories(_root));
    }

    [Fact]
    public void AnExistingVersionIsNeverOverwritten()
    {
        PolicyModelDirectory.Publish(_root, OnnxWriterTests.RandomNetwork(1, 152, 2), Manifest("v1"));

        Assert.Throws<IOException>(() => PolicyModelDirectory.Publish(_root, OnnxWriterTests.RandomNetwork(2, 152, 2), Manifest("v1")));
    }

    [Fact]
    public void TheManifestIsSnakeCaseJson()
    {
        var json = System.Text.Encoding.UTF8.GetString(PolicyModelDirectory.ManifestBytes(Manifest("v1")));

        Assert.Contains("\"feature_schema_version\": 1", json, StringComparison.Ordinal);
        Assert.Contains("\"default_cost_preference\"", json, StringComparison.Ordinal);
    }

    private static ModelManifest Manifest(string version) => new()
    {
        Format = ModelManifest.CurrentFormat,
        Version = version,
        Kind = "trained",
        Description = "test",
        FeatureSchemaVersion = 1,
        Normalisation = "features-v1",
        Inputs = [new TensorSpec { Name = OnnxPolicyWriter.InputName, Width = 152 }],
        Outputs = [new TensorSpec { Name = OnnxPolicyWriter.OutputName, Width = 2, Classes = ["small", "large"] }],
    };

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
