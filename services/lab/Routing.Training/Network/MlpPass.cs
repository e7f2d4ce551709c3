using System.Numerics.Tensors;
using Routing.Onnx;

namespace Routing.Training.Network;

/// <summary>
/// Forward and backward passes of one row through an <see cref="MlpParameters"/> network. Holds the
/// activations of the last forward pass, so one instance serves one thread; reuse it to avoid allocation.
/// </summary>
public sealed class MlpPass
{
    private readonly MlpParameters _parameters;

    /// <summary>activations[0] = input copy, activations[l + 1] = output of layer l (logits for the last).</summary>
    private readonly float[][] _activations;

    private readonly float[][] _deltas;

    public MlpPass(MlpParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters;
        _activations = new float[parameters.Widths.Length][];
        _deltas = new float[parameters.Widths.Length][];
        for (var i = 0; i < parameters.Widths.Length; i++)
        {
            _activations[i] = new float[parameters.Widths[i]];
            _deltas[i] = new float[parameters.Widths[i]];
        }

        Probabilities = new float[parameters.OutputWidth];
    }

    public MlpParameters Parameters => _parameters;

    /// <summary>Logits of the last forward pass.</summary>
    public ReadOnlySpan<float> Logits => _activations[^1];

    /// <summary>Softmax of <see cref="Logits"/>, computed by <see cref="Forward"/>.</summary>
    public float[] Probabilities { get; }

    /// <summary>Runs one row; returns the probabilities (the same softmax as <see cref="PolicyNetwork.Softmax"/>).</summary>
    public ReadOnlySpan<float> Forward(ReadOnlySpan<float> input)
    {
        if (input.Length != _parameters.InputWidth)
        {
            throw new ArgumentException($"input must hold {_parameters.InputWidth} values (got {input.Length})", nameof(input));
        }

        input.CopyTo(_activations[0]);
        var last = _parameters.LayerCount - 1;
        for (var l = 0; l <= last; l++)
        {
            var x = _activations[l];
            var y = _activations[l + 1];
            var w = _parameters.Weights[l];
            var b = _parameters.Biases[l];
            var inWidth = x.Length;
            for (var o = 0; o < y.Length; o++)
            {
                y[o] = b[o] + TensorPrimitives.Dot(w.AsSpan(o * inWidth, inWidth), x);
            }

            if (l < last)
            {
                if (_parameters.HiddenActivation == Activation.Relu)
                {
                    TensorPrimitives.Max(y, 0f, y);
                }
                else if (_parameters.HiddenActivation == Activation.Tanh)
                {
                    TensorPrimitives.Tanh(y, y);
                }
            }
        }

        PolicyNetwork.Softmax(_activations[^1], Probabilities);
        return Probabilities;
    }

    /// <summary>
    /// Back-propagates dLoss/dLogits of the last forward pass, adding dLoss/dθ (scaled by nothing) into
    /// <paramref name="gradients"/>.
    /// </summary>
    public void Backward(ReadOnlySpan<float> logitGradient, MlpParameters gradients)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        var last = _parameters.LayerCount - 1;
        logitGradient.CopyTo(_deltas[^1]);
        for (var l = last; l >= 0; l--)
        {
            var delta = _deltas[l + 1];
            if (l < last)
            {
                // delta holds dL/d(activated output); turn it into dL/d(pre-activation).
                var y = _activations[l + 1];
                for (var o = 0; o < delta.Length; o++)
                {
                    delta[o] *= _parameters.HiddenActivation switch
                    {
                        Activation.Relu => y[o] > 0 ? 1f : 0f,
                        Activation.Tanh => 1f - (y[o] * y[o]),
                        _ => 1f,
                    };
                }
            }

            var x = _activations[l];
            var gw = gradients.Weights[l];
            var gb = gradients.Biases[l];
            var w = _parameters.Weights[l];
            var inWidth = x.Length;
            TensorPrimitives.Add(gb, delta, gb);
            var dx = _deltas[l];
            if (l > 0)
            {
                dx.AsSpan().Clear();
            }

            for (var o = 0; o < delta.Length; o++)
            {
                var d = delta[o];
                if (d == 0f)
                {
                    continue;
                }

                var gRow = gw.AsSpan(o * inWidth, inWidth);
                TensorPrimitives.MultiplyAdd(x, d, gRow, gRow);
                if (l > 0)
                {
                    TensorPrimitives.MultiplyAdd(w.AsSpan(o * inWidth, inWidth), d, dx, dx);
                }
            }
        }
    }
}
