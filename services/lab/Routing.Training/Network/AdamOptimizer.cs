using System.Numerics.Tensors;

namespace Routing.Training.Network;

/// <summary>Adam (Kingma &amp; Ba) with global-norm gradient clipping, in place on <see cref="MlpParameters"/>.</summary>
public sealed class AdamOptimizer
{
    private readonly MlpParameters _m;
    private readonly MlpParameters _v;
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly double _epsilon;
    private int _step;

    public AdamOptimizer(MlpParameters parameters, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _m = parameters.ZerosLike();
        _v = parameters.ZerosLike();
        _beta1 = beta1;
        _beta2 = beta2;
        _epsilon = epsilon;
    }

    /// <summary>One update with the gradient <paramref name="gradients"/> (a loss to minimise); returns its norm before clipping.</summary>
    public double Step(MlpParameters parameters, MlpParameters gradients, double learningRate, double maxGradientNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(gradients);
        var squared = 0.0;
        foreach (var g in gradients.Arrays())
        {
            squared += TensorPrimitives.Dot(g, g);
        }

        var norm = Math.Sqrt(squared);
        var scale = maxGradientNorm > 0 && norm > maxGradientNorm ? maxGradientNorm / norm : 1.0;
        _step++;
        var correction1 = 1 - Math.Pow(_beta1, _step);
        var correction2 = 1 - Math.Pow(_beta2, _step);
        var stepSize = (float)(learningRate * Math.Sqrt(correction2) / correction1);
        using var p = parameters.Arrays().GetEnumerator();
        using var g2 = gradients.Arrays().GetEnumerator();
        using var m = _m.Arrays().GetEnumerator();
        using var v = _v.Arrays().GetEnumerator();
        while (p.MoveNext() && g2.MoveNext() && m.MoveNext() && v.MoveNext())
        {
            var pa = p.Current;
            var ga = g2.Current;
            var ma = m.Current;
            var va = v.Current;
            for (var i = 0; i < pa.Length; i++)
            {
                var grad = ga[i] * scale;
                ma[i] = (float)((_beta1 * ma[i]) + ((1 - _beta1) * grad));
                va[i] = (float)((_beta2 * va[i]) + ((1 - _beta2) * grad * grad));
                pa[i] -= stepSize * ma[i] / (MathF.Sqrt(va[i]) + (float)_epsilon);
            }
        }

        return norm;
    }
}
