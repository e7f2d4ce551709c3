using Google.Protobuf;
using Routing.Contracts.Onnx;

namespace Routing.Onnx;

/// <summary>Metadata written into the model's <c>metadata_props</c> (the manifest beside it is authoritative).</summary>
public sealed record OnnxModelMetadata(string Version, int FeatureSchemaVersion, string Description);

/// <summary>
/// Writes a <see cref="PolicyNetwork"/> as an ONNX model: input <c>features</c> float[batch, F], one Gemm
/// (transB = 1) per layer with its activation, then Softmax on the last axis into output
/// <c>probabilities</c> float[batch, C]. The batch dimension is symbolic, so one model serves any batch size.
/// </summary>
public static class OnnxPolicyWriter
{
    public const string InputName = "features";

    public const string OutputName = "probabilities";

    /// <summary>IR version 8 with opset 17: supported by every ONNX Runtime from 1.14 on.</summary>
    public const long IrVersion = 8;

    public const long OpsetVersion = 17;

    public const string ProducerName = "routing-onnx";

    public static ModelProto Build(PolicyNetwork network, OnnxModelMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(metadata);
        var graph = new GraphProto { Name = "policy" };
        graph.Input.Add(TensorValue(InputName, network.InputWidth));
        graph.Output.Add(TensorValue(OutputName, network.OutputWidth));

        var current = InputName;
        for (var l = 0; l < network.Layers.Count; l++)
        {
            var layer = network.Layers[l];
            var weights = $"layer{l}.weight";
            var bias = $"layer{l}.bias";
            graph.Initializer.Add(FloatTensor(weights, layer.Weights, layer.OutputWidth, layer.InputWidth));
            graph.Initializer.Add(FloatTensor(bias, layer.Bias, layer.OutputWidth));
            var gemmOut = $"layer{l}.linear";
            var gemm = new NodeProto { Name = $"layer{l}.gemm", OpType = "Gemm", Input = { current, weights, bias }, Output = { gemmOut } };
            gemm.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
            graph.Node.Add(gemm);
            current = gemmOut;
            if (layer.Activation != Activation.None)
            {
                var activated = $"layer{l}.{layer.Activation.ToString().ToLowerInvariant()}";
                graph.Node.Add(new NodeProto
                {
                    Name = activated,
                    OpType = layer.Activation == Activation.Relu ? "Relu" : "Tanh",
                    Input = { current },
                    Output = { activated },
                });
                current = activated;
            }
        }
        var softmax = new NodeProto { Name = "softmax", OpType = "Softmax", Input = { current }, Output = { OutputName } };
        softmax.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = -1 });
        graph.Node.Add(softmax);

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = ProducerName,
            ProducerVersion = "1",
            Domain = "routing.policy",
            DocString = metadata.Description,
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OpsetVersion });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "routing.version", Value = metadata.Version });
        model.MetadataProps.Add(new StringStringEntryProto
        {
            Key = "routing.feature_schema_version",
            Value = metadata.FeatureSchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        return model;
    }

    /// <summary>The serialized model (deterministic: the same network and metadata give the same bytes).</summary>
    public static byte[] Write(PolicyNetwork network, OnnxModelMetadata metadata) => Build(network, metadata).ToByteArray();

    public static void WriteFile(string path, PolicyNetwork network, OnnxModelMetadata metadata) =>
        File.WriteAllBytes(path, Write(network, metadata));

    private static ValueInfoProto TensorValue(string name, int width)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = width });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private static TensorProto FloatTensor(string name, float[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.Add(dims);
        // raw_data is little-endian by the ONNX spec; every platform .NET targets here is little-endian.
        tensor.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        return tensor;
    }
}
