using System.Numerics.Tensors;
using Routing.Training.Rollouts;

namespace Routing.Training.Network;

/// <summary>
/// The mean loss and gradient of a batch. The batch is cut into a fixed number of contiguous chunks whatever
/// the thread count, each chunk summed on its own buffers and the chunks added in order, so the result is
/// bit-identical for any number of threads (determinism for a fixed seed).
/// </summary>
public sealed class BatchGradient
{
    private const int Chunks = 8;
    private readonly MlpPass[] _passes;
    private readonly MlpPass[]? _referencePasses;
    private readonly MlpParameters[] _chunkGradients;
    private readonly double[] _chunkLosses = new double[Chunks];
    private readonly int _threads;

    public BatchGradient(MlpParameters parameters, MlpParameters? reference, int threads)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _passes = new MlpPass[Chunks];
        _chunkGradients = new MlpParameters[Chunks];
        _referencePasses = reference is null ? null : new MlpPass[Chunks];
        for (var c = 0; c < Chunks; c++)
        {
            _passes[c] = new MlpPass(parameters);
            _chunkGradients[c] = parameters.ZerosLike();
            if (_referencePasses is not null)
            {
                _referencePasses[c] = new MlpPass(reference!);
            }
        }

        _threads = threads;
    }

    /// <summary>Writes the mean gradient of <paramref name="batch"/> into <paramref name="gradient"/> (overwritten); returns the mean loss.</summary>
    public double Compute(IReadOnlyList<StepSample> batch, ISampleLoss loss, MlpParameters gradient)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(gradient);
        if (loss.UsesReference && _referencePasses is null)
        {
            throw new InvalidOperationException("this loss needs a reference network");
        }

        Parallel.For(0, Chunks, new ParallelOptions { MaxDegreeOfParallelism = _threads }, c =>
        {
            var g = _chunkGradients[c];
            foreach (var array in g.Arrays())
            {
                Array.Clear(array);
            }

            var pass = _passes[c];
            var dLogits = new float[pass.Parameters.OutputWidth];
            var sum = 0.0;
            var start = (int)((long)batch.Count * c / Chunks);
            var end = (int)((long)batch.Count * (c + 1) / Chunks);
            for (var i = start; i < end; i++)
            {
                var sample = batch[i];
                ReadOnlySpan<float> reference = default;
                if (loss.UsesReference)
                {
                    reference = _referencePasses![c].Forward(sample.Features);
                }

                pass.Forward(sample.Features);
                sum += loss.Evaluate(pass, sample, reference, dLogits);
                pass.Backward(dLogits, g);
            }

            _chunkLosses[c] = sum;
        });

        var scale = batch.Count > 0 ? 1f / batch.Count : 0f;
        using var target = gradient.Arrays().GetEnumerator();
        var index = 0;
        while (target.MoveNext())
        {
            var t = target.Current;
            Array.Clear(t);
            for (var c = 0; c < Chunks; c++)
            {
                var source = ArrayAt(_chunkGradients[c], index);
                TensorPrimitives.Add(t, source, t);
            }

            TensorPrimitives.Multiply(t, scale, t);
            index++;
        }

        var total = 0.0;
        foreach (var l in _chunkLosses)
        {
            total += l;
        }

        return total * scale;
    }

    private static float[] ArrayAt(MlpParameters p, int index) =>
        index % 2 == 0 ? p.Weights[index / 2] : p.Biases[index / 2];
}
