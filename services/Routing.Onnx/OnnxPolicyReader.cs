using Routing.Contracts.Onnx;

namespace Routing.Onnx;

/// <summary>
/// Reads back a model written by <see cref="OnnxPolicyWriter"/> as a <see cref="PolicyNetwork"/> (for plain C#
/// inference in simulator benchmarks). Only that writer's graph shape is accepted: Gemm (transB = 1) per
/// layer, optionally Relu or Tanh, then Softmax.
/// </summary>
public static class OnnxPolicyReader
{
    public static PolicyNetwork Read(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var model = ModelProto.Parser.ParseFrom(bytes);
        var initializers = model.Graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var layers = new List<DenseLayer>();
        var nodes = model.Graph.Node;
        for (var n = 0; n < nodes.Count; n++)
        {
            var node = nodes[n];
            if (node.OpType == "Softmax")
            {
                break;
            }

            if (node.OpType != "Gemm" || node.Input.Count != 3)
            {
                throw new InvalidDataException($"node '{node.Name}' ({node.OpType}) is not a layer the policy writer produces");
            }

            var weights = initializers[node.Input[1]];
            var bias = initializers[node.Input[2]];
            var activation = Activation.None;
            if (n + 1 < nodes.Count && nodes[n + 1].OpType is "Relu" or "Tanh")
            {
                activation = nodes[n + 1].OpType == "Relu" ? Activation.Relu : Activation.Tanh;
                n++;
            }

            layers.Add(new DenseLayer((int)weights.Dims[1], (int)weights.Dims[0], Floats(weights), Floats(bias), activation));
        }

        return new PolicyNetwork(layers);
    }

    public static PolicyNetwork ReadFile(string path) => Read(File.ReadAllBytes(path));

    private static float[] Floats(TensorProto tensor) =>
        tensor.RawData.Length > 0
            ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray()
            : [.. tensor.FloatData];
}
