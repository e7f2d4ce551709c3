using Routing.Outcomes.Training;

namespace Routing.Outcomes.Routers;

/// <summary>
/// One L2-regularised logistic regression per model over the text vector, log(1 + characters) / 10 and a bias
/// (cross-entropy against the score, so partial scores are soft labels), fitted by full-batch Adam from zero —
/// deterministic. The same fit as <see cref="OutcomeRouterTrainer"/>, on sparse TF-IDF rows instead of dense hashes.
/// </summary>
public sealed class LogisticSuccess
{
    public LogisticSuccess(int width, IReadOnlyList<float[]> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        foreach (var w in weights)
        {
            if (w.Length != width + 2)
            {
                throw new ArgumentException($"logistic weights must have {width + 2} elements, not {w.Length}", nameof(weights));
            }
        }

        Width = width;
        Weights = weights;
    }

    public int Width { get; }

    /// <summary>Per model: text weights, then the length weight, then the bias.</summary>
    public IReadOnlyList<float[]> Weights { get; }

    public static LogisticSuccess Fit(FeatureRows rows, IReadOnlyList<double[]> scores, LearnerSettings settings, Action<int, int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(settings);
        var models = scores.Count == 0 ? 0 : scores[0].Length;
        var fits = new Adam[models];
        for (var m = 0; m < models; m++)
        {
            fits[m] = new Adam(rows.Width + 2);
        }

        var lengths = rows.Characters.Select(Length).ToArray();
        for (var epoch = 1; epoch <= settings.Epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Parallel.For(0, models, m => fits[m].Step(rows, lengths, scores, m, settings, epoch));
            progress?.Invoke(epoch, settings.Epochs);
        }

        return new LogisticSuccess(rows.Width, [.. fits.Select(f => f.Weights)]);
    }

    /// <summary>P(success) of every model.</summary>
    public void Predict(SparseVector vector, int characters, Span<double> probabilities)
    {
        var length = Length(characters);
        for (var m = 0; m < Weights.Count; m++)
        {
            var w = Weights[m];
            probabilities[m] = OutcomeRouter.Sigmoid(vector.Dot(w) + (length * w[Width]) + w[Width + 1]);
        }
    }

    private static float Length(int characters) => MathF.Log(1 + characters) / 10f;

    private sealed class Adam(int size)
    {
        private const double Beta1 = 0.9;
        private const double Beta2 = 0.999;
        private const double Epsilon = 1e-8;
        private readonly double[] _gradient = new double[size];
        private readonly double[] _first = new double[size];
        private readonly double[] _second = new double[size];

        public float[] Weights { get; } = new float[size];

        public void Step(FeatureRows rows, float[] lengths, IReadOnlyList<double[]> scores, int model, LearnerSettings settings, int t)
        {
            Array.Clear(_gradient);
            var n = rows.Count;
            var lengthSlot = size - 2;
            var biasSlot = size - 1;
            for (var i = 0; i < n; i++)
            {
                var x = rows.Vectors[i];
                var z = x.Dot(Weights) + (lengths[i] * Weights[lengthSlot]) + Weights[biasSlot];
                var error = (OutcomeRouter.Sigmoid(z) - scores[i][model]) / n;
                for (var k = 0; k < x.Indices.Length; k++)
                {
                    _gradient[x.Indices[k]] += error * x.Values[k];
                }

                _gradient[lengthSlot] += error * lengths[i];
                _gradient[biasSlot] += error;
            }

            // The bias is not penalised: it carries the model's base rate.
            for (var j = 0; j < biasSlot; j++)
            {
                _gradient[j] += settings.L2 * Weights[j];
            }

            var correction1 = 1 - Math.Pow(Beta1, t);
            var correction2 = 1 - Math.Pow(Beta2, t);
            for (var j = 0; j < size; j++)
            {
                if (_gradient[j] == 0 && _first[j] == 0)
                {
                    continue;
                }

                _first[j] = (Beta1 * _first[j]) + ((1 - Beta1) * _gradient[j]);
                _second[j] = (Beta2 * _second[j]) + ((1 - Beta2) * _gradient[j] * _gradient[j]);
                Weights[j] -= (float)(settings.LearningRate * (_first[j] / correction1) / (Math.Sqrt(_second[j] / correction2) + Epsilon));
            }
        }
    }
}
