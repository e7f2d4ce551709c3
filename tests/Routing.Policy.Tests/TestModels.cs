using Routing.Contracts.Common.V1;
using Routing.Contracts.Policy.V1;
using Routing.Features;
using Routing.Onnx;
using Routing.Policy.DefaultModel;

namespace Routing.Policy.Tests;

/// <summary>Model directories and requests for tests.</summary>
public static class TestModels
{
    public static string NewDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "routing-policy-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Writes a version whose network always gives P(large) = <paramref name="largeProbability"/>.</summary>
    public static void WriteConstant(string root, string version, double largeProbability, double defaultLambda = 0)
    {
        var logit = (float)Math.Log(largeProbability / (1 - largeProbability));
        var network = new PolicyNetwork([new DenseLayer(FeatureSchemaV1.Width, 2, new float[FeatureSchemaV1.Width * 2], [0f, logit], Activation.None)]);
        Write(root, version, network, defaultLambda);
    }

    public static void Write(string root, string version, PolicyNetwork network, double defaultLambda = 0)
    {
        var manifest = HeuristicPolicy.Manifest();
        manifest.Version = version;
        manifest.Kind = "trained";
        manifest.Thresholds.DefaultCostPreference = defaultLambda;
        PolicyModelDirectory.Write(Path.Combine(root, version), network, manifest);
    }

    public static PolicyNetwork RandomNetwork(int seed)
    {
        var random = new Random(seed);
        float[] Fill(int n, float scale)
        {
            var values = new float[n];
            for (var i = 0; i < n; i++)
            {
                values[i] = (random.NextSingle() * 2 - 1) * scale;
            }
            return values;
        }
        const int hidden = 16;
        return new PolicyNetwork(
        [
            new DenseLayer(FeatureSchemaV1.Width, hidden, Fill(FeatureSchemaV1.Width * hidden, 0.3f), Fill(hidden, 0.3f), Activation.Relu),
            new DenseLayer(hidden, 2, Fill(hidden * 2, 1f), Fill(2, 0.5f), Activation.None),
        ]);
    }

    public static float[] RandomFeatures(Random random)
    {
        var values = new float[FeatureSchemaV1.Width];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = random.NextSingle();
        }
        return values;
    }

    public static RouteRequest Request(float[]? features = null, long remaining = 1_000_000, int? largeCallsLeft = null, string taskId = "task-1")
    {
        var request = new RouteRequest
        {
            TaskId = taskId,
            Features = new StepFeatures { SchemaVersion = FeatureSchemaV1.Version },
            Budget = new BudgetState { RemainingMicros = remaining },
        };
        request.Features.Values.Add(features ?? new float[FeatureSchemaV1.Width]);
        if (largeCallsLeft is { } left)
        {
            request.Budget.LargeCallsLeft = left;
        }
        request.Candidates.Add(new Candidate { Model = "small", Tier = ModelTier.Small, WorstCaseCostMicros = 1_000 });
        request.Candidates.Add(new Candidate { Model = "large", Tier = ModelTier.Large, WorstCaseCostMicros = 20_000 });
        return request;
    }
}
