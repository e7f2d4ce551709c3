using Microsoft.ML.OnnxRuntime;
using Routing.Features;
using Routing.Onnx;
using Routing.Training.Bopo;
using Routing.Training.Export;
using Routing.Training.Pipeline;
using Xunit;

namespace Routing.Training.Tests;

/// <summary>The tiny configuration end to end: seconds long, deterministic, exported as a loadable model directory.</summary>
public sealed class PipelineTests
{
    [Fact]
    public void ATinyRunIsIdenticalForTheSameSeedWhateverTheThreadCount()
    {
        var one = PolicyTrainingPipeline.Run(TrainingConfig.Tiny(7) with { Threads = 1, AuctionShare = 0 }, [BopoVariant.Full]);
        var two = PolicyTrainingPipeline.Run(TrainingConfig.Tiny(7) with { Threads = 2, AuctionShare = 0 }, [BopoVariant.Full]);
        Assert.Equal(one.ClassCounts, two.ClassCounts);
        Assert.Equal(one.SftSamples, two.SftSamples);
        Assert.Equal(one.Policies.Count, two.Policies.Count);
        for (var p = 0; p < one.Policies.Count; p++)
        {
            Assert.Equal(Bytes(one.Policies[p]), Bytes(two.Policies[p]));
            Assert.Equal(one.Policies[p].RewardPerIteration, two.Policies[p].RewardPerIteration);
        }
    }

    [Fact]
    public void ADifferentSeedTrainsDifferentWeights()
    {
        var a = PolicyTrainingPipeline.Run(TrainingConfig.Tiny(7) with { AuctionShare = 0 }, [BopoVariant.Full]);
        var b = PolicyTrainingPipeline.Run(TrainingConfig.Tiny(8) with { AuctionShare = 0 }, [BopoVariant.Full]);
        Assert.NotEqual(Bytes(a.Policies[^1]), Bytes(b.Policies[^1]));
    }

    [Fact]
    public void ATinyRunTrainsEveryVariantAndExportsAModelDirectoryOnnxRuntimeLoads()
    {
        var result = PolicyTrainingPipeline.Run(TrainingConfig.Tiny(9) with { AuctionShare = 0 }, BopoVariant.All);
        Assert.Equal(3, result.ClassCounts.Count);
        Assert.Equal(result.Boundary.Count, result.ClassCounts.Sum());
        Assert.Equal([PolicyTrainingPipeline.SftOnlyName, .. BopoVariant.All.Select(v => v.Name)], result.Policies.Select(p => p.Name));
        Assert.All(result.Policies.Skip(1), p => Assert.Equal(result.Config.Bopo.Iterations, p.RewardPerIteration.Count));

        var root = Directory.CreateTempSubdirectory("routing-training-");
        try
        {
            var target = TrainedPolicyExport.Publish(root.FullName, "v9", result.Policies[1], result, "test");
            var manifest = System.Text.Json.JsonSerializer.Deserialize(
                File.ReadAllBytes(Path.Combine(target, PolicyModelDirectory.ManifestFileName)), ManifestJsonContext.Default.ModelManifest)!;
            Assert.Equal("v9", manifest.Version);
            Assert.Equal("trained", manifest.Kind);
            Assert.Equal(FeatureSchemaV1.Version, manifest.FeatureSchemaVersion);
            Assert.Contains("seed 9", manifest.Provenance.Source, StringComparison.Ordinal);
            Assert.Contains("validation", manifest.Provenance.Notes, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(target, TrainedPolicyExport.TrainingFileName)));
            using var session = new InferenceSession(Path.Combine(target, PolicyModelDirectory.ModelFileName));
            Assert.Equal(FeatureSchemaV1.Width, session.InputMetadata[OnnxPolicyWriter.InputName].Dimensions[1]);
            Assert.Throws<IOException>(() => TrainedPolicyExport.Publish(root.FullName, "v9", result.Policies[1], result, "test"));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void SeedsOfTheBenchmarkOrTheCalibrationAreRefused()
    {
        Assert.NotEmpty(PolicyTrainingPipeline.Validate(new TrainingConfig { Seed = Simulation.Benchmark.FrontierSettings.DefaultSeed }));
        Assert.NotEmpty(PolicyTrainingPipeline.Validate(new TrainingConfig { Seed = Simulation.Benchmark.FrontierSettings.DefaultSeed - 1 }));
        Assert.NotEmpty(PolicyTrainingPipeline.Validate(new TrainingConfig { Seed = 777 }));
        Assert.Empty(PolicyTrainingPipeline.Validate(new TrainingConfig()));
    }

    [Fact]
    public void APartialConfigurationFileKeepsTheDefaultsOfWhatItOmits()
    {
        var config = TrainingConfig.Parse("""{ "bopo": { "cost_weight": 0.2 } }""");
        Assert.Equal(0.2, config.Bopo.CostWeight);
        Assert.Equal(new BopoConfig().GroupSize, config.Bopo.GroupSize);
        Assert.Equal(new NetworkConfig().Hidden, config.Network.Hidden);
        Assert.Throws<System.Text.Json.JsonException>(() => TrainingConfig.Parse("""{ "bopo": { "cost_wieght": 0.2 } }"""));
    }

    [Fact]
    public void TheShippedConfigurationFileIsTheDefaultConfiguration()
    {
        var directory = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(directory, "Routing.sln")))
        {
            directory = Path.GetDirectoryName(directory) ?? throw new InvalidOperationException("repository root not found");
        }

        var shipped = TrainingConfig.Parse(File.ReadAllText(Path.Combine(directory, "services", "lab", "Routing.Training", "policy-training.json")));
        Assert.Equal((new TrainingConfig() with { Threads = 1 }).ToJson(), (shipped with { Threads = 1 }).ToJson());
    }

    private static byte[] Bytes(TrainedPolicy policy) =>
        OnnxPolicyWriter.Write(policy.Parameters.ToPolicyNetwork(), new OnnxModelMetadata("x", 1, "x"));
}
