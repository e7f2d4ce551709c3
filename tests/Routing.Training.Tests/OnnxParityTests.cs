using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Routing.Features;
using Routing.Onnx;
using Routing.Simulation.Sampling;
using Routing.Training.Network;
using Xunit;

namespace Routing.Training.Tests;

/// <summary>The exported ONNX model, run by ONNX Runtime, gives the training forward pass's probabilities.</summary>
public sealed class OnnxParityTests
{
    [Theory]
    [InlineData(Activation.Relu)]
    [InlineData(Activation.Tanh)]
    public void OnnxRuntimeOutputEqualsTheTrainingForwardPassWithin1e5(Activation activation)
    {
        var parameters = MlpParameters.Initialise(FeatureSchemaV1.Width, [64, 32], 2, activation, seed: 21);
        // Trained-looking weights: a larger last layer so probabilities are far from uniform.
        for (var i = 0; i < parameters.Weights[^1].Length; i++)
        {
            parameters.Weights[^1][i] *= 20;
        }

        var bytes = OnnxPolicyWriter.Write(parameters.ToPolicyNetwork(), new OnnxModelMetadata("t1", FeatureSchemaV1.Version, "parity"));
        using var session = new InferenceSession(bytes);
        const int rows = 64;
        var rng = new Xoshiro256(5);
        var input = new float[rows * FeatureSchemaV1.Width];
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        using var results = session.Run([NamedOnnxValue.CreateFromTensor(OnnxPolicyWriter.InputName, new DenseTensor<float>(input, [rows, FeatureSchemaV1.Width]))]);
        var onnx = results.First(r => r.Name == OnnxPolicyWriter.OutputName).AsEnumerable<float>().ToArray();

        var pass = new MlpPass(parameters);
        var maxError = 0f;
        var farFromUniform = 0;
        for (var r = 0; r < rows; r++)
        {
            var p = pass.Forward(input.AsSpan(r * FeatureSchemaV1.Width, FeatureSchemaV1.Width));
            for (var c = 0; c < 2; c++)
            {
                maxError = Math.Max(maxError, Math.Abs(p[c] - onnx[(r * 2) + c]));
            }

            farFromUniform += Math.Abs(p[0] - 0.5f) > 0.1f ? 1 : 0;
        }

        Assert.True(maxError <= 1e-5f, $"max |ORT − training| = {maxError:G3}");
        Assert.True(farFromUniform > rows / 4, "the check runs on decisive probabilities, not only near 0.5");
    }

    [Fact]
    public void TheReaderReturnsTheWrittenWeights()
    {
        var parameters = MlpParameters.Initialise(FeatureSchemaV1.Width, [8, 4], 2, Activation.Tanh, seed: 3);
        var bytes = OnnxPolicyWriter.Write(parameters.ToPolicyNetwork(), new OnnxModelMetadata("t1", FeatureSchemaV1.Version, "reader"));
        var back = MlpParameters.FromPolicyNetwork(OnnxPolicyReader.Read(bytes));
        Assert.Equal(parameters.Widths, back.Widths);
        Assert.Equal(Activation.Tanh, back.HiddenActivation);
        for (var l = 0; l < parameters.LayerCount; l++)
        {
            Assert.Equal(parameters.Weights[l], back.Weights[l]);
            Assert.Equal(parameters.Biases[l], back.Biases[l]);
        }
    }
}
