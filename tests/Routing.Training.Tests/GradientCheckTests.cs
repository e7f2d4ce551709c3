using Routing.Onnx;
using Routing.Simulation.Sampling;
using Routing.Training.Network;
using Routing.Training.Rollouts;
using Xunit;

namespace Routing.Training.Tests;

/// <summary>The analytic gradients of both losses against central finite differences, parameter by parameter.</summary>
public sealed class GradientCheckTests
{
    private const int Inputs = 7;

    [Theory]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Relu)]
    public void CrossEntropyGradientMatchesFiniteDifferences(Activation activation)
    {
        var parameters = MlpParameters.Initialise(Inputs, [5, 4], 2, activation, seed: 11);
        ScaleLastLayer(parameters, 10);
        var batch = Samples(seed: 3, count: 6, advantage: false, parameters);
        Check(parameters, null, batch, new WeightedCrossEntropy());
    }

    [Theory]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Relu)]
    public void ClippedPolicyGradientWithKlMatchesFiniteDifferences(Activation activation)
    {
        var parameters = MlpParameters.Initialise(Inputs, [5, 4], 2, activation, seed: 12);
        ScaleLastLayer(parameters, 10);
        var reference = MlpParameters.Initialise(Inputs, [5, 4], 2, activation, seed: 13);
        ScaleLastLayer(reference, 10);
        // Behaviour log-probabilities a little off the current policy: ratios inside and outside the clip range.
        var batch = Samples(seed: 4, count: 8, advantage: true, parameters);
        Check(parameters, reference, batch, new ClippedPolicyGradient(clip: 0.2, klWeight: 0.3));
    }

    [Fact]
    public void ARatioBeyondTheClipRangeContributesNoPolicyGradient()
    {
        var parameters = MlpParameters.Initialise(Inputs, [4], 2, Activation.Tanh, seed: 5);
        var pass = new MlpPass(parameters);
        var features = new float[Inputs];
        features[0] = 1;
        var p = pass.Forward(features).ToArray();
        // Behaviour probability far below the current one: ratio ≫ 1 + ε with a positive advantage is clipped.
        var sample = new StepSample(features, PolicyAction.Large, MathF.Log(p[PolicyAction.Large]) - 1f) { Weight = 1f };
        var dLogits = new float[2];
        new ClippedPolicyGradient(0.2, 0).Evaluate(pass, sample, default, dLogits);
        Assert.Equal([0f, 0f], dLogits);
    }

    private static void Check(MlpParameters parameters, MlpParameters? reference, List<StepSample> batch, ISampleLoss loss)
    {
        var engine = new BatchGradient(parameters, reference, threads: 1);
        var analytic = parameters.ZerosLike();
        engine.Compute(batch, loss, analytic);
        var scratch = parameters.ZerosLike();
        var checkedCount = 0;
        var worst = 0.0;
        var arrays = parameters.Arrays().ToList();
        var gradients = analytic.Arrays().ToList();
        for (var a = 0; a < arrays.Count; a++)
        {
            for (var i = 0; i < arrays[a].Length; i++)
            {
                var original = arrays[a][i];
                const float eps = 2e-3f;
                arrays[a][i] = original + eps;
                var plus = engine.Compute(batch, loss, scratch);
                arrays[a][i] = original - eps;
                var minus = engine.Compute(batch, loss, scratch);
                arrays[a][i] = original;
                var numeric = (plus - minus) / (2 * eps);
                var error = Math.Abs(numeric - gradients[a][i]);
                worst = Math.Max(worst, error / (1e-3 + Math.Abs(numeric)));
                Assert.True(error <= 2e-3 + (2e-2 * Math.Abs(numeric)),
                    $"array {a} index {i}: analytic {gradients[a][i]:G6} vs numeric {numeric:G6}");
                checkedCount++;
            }
        }

        Assert.True(checkedCount > 50, "every parameter is checked");
    }

    private static void ScaleLastLayer(MlpParameters parameters, float factor)
    {
        var w = parameters.Weights[^1];
        for (var i = 0; i < w.Length; i++)
        {
            w[i] *= factor;
        }
    }

    private static List<StepSample> Samples(ulong seed, int count, bool advantage, MlpParameters parameters)
    {
        var rng = new Xoshiro256(seed);
        var pass = new MlpPass(parameters);
        var samples = new List<StepSample>();
        for (var n = 0; n < count; n++)
        {
            var features = new float[Inputs];
            for (var i = 0; i < Inputs; i++)
            {
                features[i] = (float)((rng.NextDouble() * 2) - 1);
            }

            var action = rng.NextInt(2);
            var logP = MathF.Log(pass.Forward(features)[action]);
            var offset = advantage ? (float)((rng.NextDouble() - 0.5) * 0.6) : 0f;
            samples.Add(new StepSample(features, action, logP + offset)
            {
                Weight = advantage ? (float)((rng.NextDouble() * 4) - 2) : (float)(0.5 + rng.NextDouble()),
            });
        }

        return samples;
    }
}
