using Routing.Onnx;
using Routing.Simulation.Sampling;

namespace Routing.Training.Network;

/// <summary>
/// Trainable weights of the policy network, in exactly the layout <see cref="PolicyNetwork"/> and the ONNX
/// writer use: per layer W row-major [output, input] and b [output]; hidden layers share one activation,
/// the last layer is linear and a softmax follows.
/// </summary>
public sealed class MlpParameters
{
    private MlpParameters(int[] widths, Activation hidden, float[][] weights, float[][] biases)
    {
        Widths = widths;
        HiddenActivation = hidden;
        Weights = weights;
        Biases = biases;
    }

    /// <summary>[input, hidden…, output].</summary>
    public int[] Widths { get; }

    public Activation HiddenActivation { get; }

    public float[][] Weights { get; }

    public float[][] Biases { get; }

    public int LayerCount => Weights.Length;

    public int InputWidth => Widths[0];

    public int OutputWidth => Widths[^1];

    /// <summary>
    /// He-uniform initial weights (ReLU) or Glorot-uniform (tanh), zero biases, drawn from <paramref name="seed"/>;
    /// the last layer is scaled by 0.1 so that the initial policy is close to uniform.
    /// </summary>
    public static MlpParameters Initialise(int input, IReadOnlyList<int> hidden, int output, Activation activation, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        var widths = new int[hidden.Count + 2];
        widths[0] = input;
        for (var i = 0; i < hidden.Count; i++)
        {
            widths[i + 1] = hidden[i];
        }

        widths[^1] = output;
        var rng = new Xoshiro256(seed);
        var weights = new float[widths.Length - 1][];
        var biases = new float[widths.Length - 1][];
        for (var l = 0; l < weights.Length; l++)
        {
            var fanIn = widths[l];
            var fanOut = widths[l + 1];
            var limit = activation == Activation.Relu ? Math.Sqrt(6.0 / fanIn) : Math.Sqrt(6.0 / (fanIn + fanOut));
            if (l == weights.Length - 1)
            {
                limit *= 0.1;
            }

            weights[l] = new float[fanIn * fanOut];
            for (var i = 0; i < weights[l].Length; i++)
            {
                weights[l][i] = (float)(((rng.NextDouble() * 2) - 1) * limit);
            }

            biases[l] = new float[fanOut];
        }

        return new MlpParameters(widths, activation, weights, biases);
    }

    /// <summary>The same weights as a <see cref="PolicyNetwork"/> (copied), ready for the ONNX writer.</summary>
    public PolicyNetwork ToPolicyNetwork()
    {
        var layers = new DenseLayer[LayerCount];
        for (var l = 0; l < LayerCount; l++)
        {
            layers[l] = new DenseLayer(Widths[l], Widths[l + 1], (float[])Weights[l].Clone(), (float[])Biases[l].Clone(),
                l == LayerCount - 1 ? Activation.None : HiddenActivation);
        }

        return new PolicyNetwork(layers);
    }

    /// <summary>Weights of a network whose hidden layers share one activation and whose last layer is linear.</summary>
    public static MlpParameters FromPolicyNetwork(PolicyNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var widths = new int[network.Layers.Count + 1];
        widths[0] = network.InputWidth;
        var weights = new float[network.Layers.Count][];
        var biases = new float[network.Layers.Count][];
        var hidden = network.Layers.Count > 1 ? network.Layers[0].Activation : Activation.None;
        for (var l = 0; l < network.Layers.Count; l++)
        {
            var layer = network.Layers[l];
            var expected = l == network.Layers.Count - 1 ? Activation.None : hidden;
            if (layer.Activation != expected)
            {
                throw new ArgumentException($"layer {l} has activation {layer.Activation}, expected {expected}", nameof(network));
            }

            widths[l + 1] = layer.OutputWidth;
            weights[l] = (float[])layer.Weights.Clone();
            biases[l] = (float[])layer.Bias.Clone();
        }

        return new MlpParameters(widths, hidden, weights, biases);
    }

    public MlpParameters Clone()
    {
        var weights = new float[LayerCount][];
        var biases = new float[LayerCount][];
        for (var l = 0; l < LayerCount; l++)
        {
            weights[l] = (float[])Weights[l].Clone();
            biases[l] = (float[])Biases[l].Clone();
        }

        return new MlpParameters((int[])Widths.Clone(), HiddenActivation, weights, biases);
    }

    /// <summary>Zeroed arrays of the same shapes (a gradient or an optimiser moment).</summary>
    public MlpParameters ZerosLike()
    {
        var weights = new float[LayerCount][];
        var biases = new float[LayerCount][];
        for (var l = 0; l < LayerCount; l++)
        {
            weights[l] = new float[Weights[l].Length];
            biases[l] = new float[Biases[l].Length];
        }

        return new MlpParameters((int[])Widths.Clone(), HiddenActivation, weights, biases);
    }

    /// <summary>Every array, weights then bias per layer (the order optimisers and gradient checks walk).</summary>
    public IEnumerable<float[]> Arrays()
    {
        for (var l = 0; l < LayerCount; l++)
        {
            yield return Weights[l];
            yield return Biases[l];
        }
    }
}
