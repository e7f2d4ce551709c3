using Microsoft.ML.OnnxRuntime;
using Routing.Contracts.Onnx;
using Xunit;

namespace Routing.Onnx.Tests;

public sealed class OnnxWriterTests
{
    private static readonly OnnxModelMetadata Metadata = new("test-v1", 1, "random weights for tests");

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    public void OnnxRuntimeOutputEqualsThePlainForwardPassWithin1e5(int batch)
    {
        var network = RandomNetwork(seed: batch, 152, 32, 16, 2);
        var rows = RandomRows(seed: 100 + batch, batch, network.InputWidth);

        var onnx = Run(OnnxPolicyWriter.Write(network, Metadata), rows, batch, network.InputWidth, network.OutputWidth);

        var expected = new float[network.OutputWidth];
        for (var r = 0; r < batch; r++)
        {
            network.Forward(rows.AsSpan(r * network.InputWidth, network.InputWidth), expected);
            for (var c = 0; c < network.OutputWidth; c++)
            {
                Assert.InRange(onnx[r * network.OutputWidth + c] - expected[c], -1e-5f, 1e-5f);
            }
        }
    }

    [Fact]
    public void EveryActivationAndManyClassesMatchTheForwardPass()
    {
        var random = new Random(5);
        var layers = new List<DenseLayer>
        {
            RandomLayer(random, 40, 24, Activation.Tanh),
            RandomLayer(random, 24, 24, Activation.Relu),
            RandomLayer(random, 24, 5, Activation.None),
        };
        var network = new PolicyNetwork(layers);
        var rows = RandomRows(seed: 6, 33, 40);

        var onnx = Run(OnnxPolicyWriter.Write(network, Metadata), rows, 33, 40, 5);

        var expected = new float[5];
        for (var r = 0; r < 33; r++)
        {
            network.Forward(rows.AsSpan(r * 40, 40), expected);
            for (var c = 0; c < 5; c++)
            {
                Assert.InRange(onnx[r * 5 + c] - expected[c], -1e-5f, 1e-5f);
            }
        }
    }

    [Fact]
    public void WritingIsDeterministic()
    {
        var first = OnnxPolicyWriter.Write(RandomNetwork(3, 10, 4, 2), Metadata);
        var second = OnnxPolicyWriter.Write(RandomNetwork(3, 10, 4, 2), Metadata);

        Assert.Equal(first, second);
    }

    [Fact]
    public void TheModelDeclaresASymbolicBatchAndTheSchemaVersion()
    {
        var model = OnnxPolicyWriter.Build(RandomNetwork(4, 10, 2), Metadata);

        Assert.Equal("batch", model.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(10, model.Graph.Input[0].Type.TensorType.Shape.Dim[1].DimValue);
        Assert.Contains(model.MetadataProps, p => p.Key == "routing.feature_schema_version" && p.Value == "1");
        Assert.Equal((int)TensorProto.Types.DataType.Float, model.Graph.Initializer[0].DataType);
    }

    [Fact]
    public void MismatchedLayersAreRefused()
    {
        var random = new Random(1);

        Assert.Throws<ArgumentException>(() => new PolicyNetwork([RandomLayer(random, 4, 3, Activation.Relu), RandomLayer(random, 4, 2, Activation.None)]));
        Assert.Throws<ArgumentException>(() => new DenseLayer(2, 2, [1, 2, 3], [0, 0], Activation.None));
        Assert.Throws<ArgumentException>(() => new DenseLayer(1, 1, [float.NaN], [0], Activation.None));
    }

    private static float[] Run(byte[] model, float[] rows, int batch, int inputWidth, int outputWidth)
    {
        using var session = new InferenceSession(model);
        using var input = OrtValue.CreateTensorValueFromMemory(rows, [batch, inputWidth]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [OnnxPolicyWriter.InputName], [input], [OnnxPolicyWriter.OutputName]);
        var result = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal(batch * outputWidth, result.Length);
        return result;
    }

    internal static PolicyNetwork RandomNetwork(int seed, params int[] widths)
    {
        var random = new Random(seed);
        var layers = new List<DenseLayer>();
        for (var l = 0; l + 1 < widths.Length; l++)
        {
            layers.Add(RandomLayer(random, widths[l], widths[l + 1], l + 2 < widths.Length ? Activation.Relu : Activation.None));
        }
        return new PolicyNetwork(layers);
    }

    private static DenseLayer RandomLayer(Random random, int input, int output, Activation activation)
    {
        var weights = new float[input * output];
        var bias = new float[output];
        var scale = 2f / MathF.Sqrt(input);
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = (random.NextSingle() * 2 - 1) * scale;
        }
        for (var i = 0; i < bias.Length; i++)
        {
            bias[i] = random.NextSingle() - 0.5f;
        }
        return new DenseLayer(input, output, weights, bias, activation);
    }

    private static float[] RandomRows(int seed, int batch, int width)
    {
        var random = new Random(seed);
        var rows = new float[batch * width];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = random.NextSingle() * 2 - 1;
        }
        return rows;
    }
}
