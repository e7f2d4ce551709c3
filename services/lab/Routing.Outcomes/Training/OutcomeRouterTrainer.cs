using System.Numerics.Tensors;
using Routing.Outcomes.Costs;
using Routing.Outcomes.Data;

namespace Routing.Outcomes.Training;

/// <summary>
/// Trains an <see cref="OutcomeRouter"/>: one L2-regularised logistic regression per model on the text features
/// (cross-entropy against the score, so partial scores count as soft labels), fitted with full-batch Adam from
/// zero weights — deterministic, no seed needed — and one least-squares line of cost against query length per
/// model. Logistic regression was chosen over a small MLP because on these data sizes (hundreds to a few
/// thousand queries) the linear model generalised as well and trains in seconds on two cores.
/// </summary>
public static class OutcomeRouterTrainer
{
    /// <summary>Trains on <paramref name="train"/>; <paramref name="progress"/> gets (epochs done, epochs, mean loss).</summary>
    public static OutcomeRouter Train(
        OutcomeDataset train, CostMatrix costs, TrainerSettings settings, RouterProvenance provenance,
        PriceTable prices, Action<int, int, double>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(costs);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(prices);
        var problems = settings.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(settings));
        }

        var n = train.Records.Count;
        var models = train.Models.Count;
        var features = TextFeatures.ExtractAll([.. train.Records.Select(r => r.Text)], settings.HashWidth);
        var labels = new float[models][];
        for (var m = 0; m < models; m++)
        {
            labels[m] = new float[n];
            for (var i = 0; i < n; i++)
            {
                labels[m][i] = (float)train.Records[i].Outcomes[m].Score;
            }
        }

        var width = TextFeatures.Width(settings.HashWidth);
        var fits = new LogisticFit[models];
        for (var m = 0; m < models; m++)
        {
            fits[m] = new LogisticFit(width);
        }

        var losses = new double[models];
        for (var epoch = 0; epoch < settings.Epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Parallel.For(0, models, m => losses[m] = fits[m].Step(features, labels[m], settings, epoch + 1));
            progress?.Invoke(epoch + 1, settings.Epochs, losses.Average());
        }

        var routerModels = new RouterModel[models];
        for (var m = 0; m < models; m++)
        {
            var (intercept, slope) = FitCostLine(train, costs, m);
            var price = prices.Get(train.Models[m]);
            routerModels[m] = new RouterModel(train.Models[m], price.InputUsdPerMTok, price.OutputUsdPerMTok, fits[m].Weights, intercept, slope);
        }

        return new OutcomeRouter(settings.HashWidth, routerModels, provenance);
    }

    /// <summary>Least-squares cost = a + b × characters for model <paramref name="model"/> (a constant when all lengths are equal).</summary>
    internal static (double Intercept, double Slope) FitCostLine(OutcomeDataset train, CostMatrix costs, int model)
    {
        double meanX = 0, meanY = 0;
        var n = train.Records.Count;
        for (var i = 0; i < n; i++)
        {
            meanX += train.Records[i].Text.Length;
            meanY += costs.CostsUsd[i][model];
        }

        meanX /= n;
        meanY /= n;
        double sxx = 0, sxy = 0;
        for (var i = 0; i < n; i++)
        {
            var dx = train.Records[i].Text.Length - meanX;
            sxx += dx * dx;
            sxy += dx * (costs.CostsUsd[i][model] - meanY);
        }

        var slope = sxx > 0 ? sxy / sxx : 0;
        return (meanY - slope * meanX, slope);
    }

    /// <summary>One model's logistic regression and its Adam state.</summary>
    private sealed class LogisticFit(int width)
    {
        private const double Beta1 = 0.9;
        private const double Beta2 = 0.999;
        private const double Epsilon = 1e-8;
        private readonly double[] _gradient = new double[width];
        private readonly double[] _first = new double[width];
        private readonly double[] _second = new double[width];

        public float[] Weights { get; } = new float[width];

        /// <summary>One full-batch Adam step; returns the mean cross-entropy before the step.</summary>
        public double Step(float[][] features, float[] labels, TrainerSettings settings, int t)
        {
            Array.Clear(_gradient);
            var loss = 0.0;
            var n = features.Length;
            for (var i = 0; i < n; i++)
            {
                var p = OutcomeRouter.Sigmoid(TensorPrimitives.Dot(features[i], Weights));
                var y = labels[i];
                loss -= (y * Math.Log(Math.Max(p, 1e-12))) + ((1 - y) * Math.Log(Math.Max(1 - p, 1e-12)));
                var error = (p - y) / n;
                var row = features[i];
                for (var j = 0; j < row.Length; j++)
                {
                    if (row[j] != 0)
                    {
                        _gradient[j] += error * row[j];
                    }
                }
            }

            loss /= n;
            // The bias (last weight) is not penalised: it carries the model's base rate.
            for (var j = 0; j < width - 1; j++)
            {
                _gradient[j] += settings.L2 * Weights[j];
                loss += 0.5 * settings.L2 * Weights[j] * Weights[j];
            }

            var correction1 = 1 - Math.Pow(Beta1, t);
            var correction2 = 1 - Math.Pow(Beta2, t);
            for (var j = 0; j < width; j++)
            {
                _first[j] = (Beta1 * _first[j]) + ((1 - Beta1) * _gradient[j]);
                _second[j] = (Beta2 * _second[j]) + ((1 - Beta2) * _gradient[j] * _gradient[j]);
                var step = settings.LearningRate * (_first[j] / correction1) / (Math.Sqrt(_second[j] / correction2) + Epsilon);
                Weights[j] -= (float)step;
            }

            return loss;
        }
    }
}
