namespace Routing.Onnx;

/// <summary>Activation after a dense layer.</summary>
public enum Activation
{
    None = 0,
    Relu = 1,
    Tanh = 2,
}

/// <summary>y = activation(W·x + b) with W stored row-major as [output, input] (ONNX Gemm with transB = 1).</summary>
public sealed class DenseLayer
{
    public DenseLayer(int inputWidth, int outputWidth, float[] weights, float[] bias, Activation activation)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(bias);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputWidth, 1);
        if (weights.Length != inputWidth * outputWidth)
        {
            throw new ArgumentException($"weights must hold {outputWidth}×{inputWidth} values (got {weights.Length})", nameof(weights));
        }
        if (bias.Length != outputWidth)
        {
            throw new ArgumentException($"bias must hold {outputWidth} values (got {bias.Length})", nameof(bias));
        }
        foreach (var w in weights)
        {
            if (!float.IsFinite(w))
            {
                throw new ArgumentException("weights must be finite", nameof(weights));
            }
        }
        foreach (var b in bias)
        {
            if (!float.IsFinite(b))
            {
                throw new ArgumentException("bias must be finite", nameof(bias));
            }
        }
        InputWidth = inputWidth;
        OutputWidth = outputWidth;
        Weights = weights;
        Bias = bias;
        Activation = activation;
    }

    public int InputWidth { get; }

    public int OutputWidth { get; }

    /// <summary>Row-major [output, input].</summary>
    public float[] Weights { get; }

    public float[] Bias { get; }

    public Activation Activation { get; }

    public void Forward(ReadOnlySpan<float> input, Span<float> output)
    {
        for (var o = 0; o < OutputWidth; o++)
        {
            var row = Weights.AsSpan(o * InputWidth, InputWidth);
            var sum = Bias[o];
            for (var i = 0; i < InputWidth; i++)
            {
                sum += row[i] * input[i];
            }
            output[o] = Activation switch
            {
                Activation.Relu => Math.Max(0f, sum),
                Activation.Tanh => MathF.Tanh(sum),
                _ => sum,
            };
        }
    }
}

/// <summary>
/// A policy network: dense layers and a softmax over the action classes. The plain C# <see cref="Forward"/> is
/// the reference for the ONNX graph that <see cref="OnnxPolicyWriter"/> writes from the same weights.
/// </summary>
public sealed class PolicyNetwork
{
    public PolicyNetwork(IReadOnlyList<DenseLayer> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0)
        {
            throw new ArgumentException("a network needs at least one layer", nameof(layers));
        }
        for (var l = 1; l < layers.Count; l++)
        {
            if (layers[l].InputWidth != layers[l - 1].OutputWidth)
            {
                throw new ArgumentException($"layer {l} takes {layers[l].InputWidth} inputs but layer {l - 1} gives {layers[l - 1].OutputWidth}", nameof(layers));
            }
        }
        Layers = layers;
        var widest = 0;
        foreach (var layer in layers)
        {
            widest = Math.Max(widest, layer.OutputWidth);
        }
        WidestLayer = widest;
    }

    public IReadOnlyList<DenseLayer> Layers { get; }

    public int InputWidth => Layers[0].InputWidth;

    public int OutputWidth => Layers[^1].OutputWidth;

    private int WidestLayer { get; }

    /// <summary>Probabilities of one input row; <paramref name="probabilities"/> is <see cref="OutputWidth"/> long.</summary>
    public void Forward(ReadOnlySpan<float> input, Span<float> probabilities)
    {
        if (input.Length != InputWidth)
        {
            throw new ArgumentException($"input must hold {InputWidth} values (got {input.Length})", nameof(input));
        }
        if (probabilities.Length != OutputWidth)
        {
            throw new ArgumentException($"output must hold {OutputWidth} values (got {probabilities.Length})", nameof(probabilities));
        }
        Span<float> a = WidestLayer <= 256 ? stackalloc float[WidestLayer] : new float[WidestLayer];
        Span<float> b = WidestLayer <= 256 ? stackalloc float[WidestLayer] : new float[WidestLayer];
        scoped ReadOnlySpan<float> current = input;
        for (var l = 0; l < Layers.Count; l++)
        {
            var layer = Layers[l];
            var target = (l % 2 == 0 ? a : b)[..layer.OutputWidth];
            layer.Forward(current, target);
            current = target;
        }
        Softmax(current, probabilities);
    }

    /// <summary>Numerically stable softmax (the maximum is subtracted first, as ONNX Runtime does).</summary>
    public static void Softmax(ReadOnlySpan<float> logits, Span<float> probabilities)
    {
        var max = float.NegativeInfinity;
        foreach (var v in logits)
        {
            max = Math.Max(max, v);
        }
        var sum = 0f;
        for (var i = 0; i < logits.Length; i++)
        {
            probabilities[i] = MathF.Exp(logits[i] - max);
            sum += probabilities[i];
        }
        for (var i = 0; i < logits.Length; i++)
        {
            probabilities[i] /= sum;
        }
    }
}
