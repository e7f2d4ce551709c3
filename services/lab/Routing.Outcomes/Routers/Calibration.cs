using Routing.Outcomes.Training;

namespace Routing.Outcomes.Routers;

/// <summary>
/// Calibrated P(success) of one model from its learners' out-of-fold predictions: a logistic regression on
/// their logits, y ≈ σ(c + Σ aⱼ·logit pⱼ), fitted by Newton's method with an L2 penalty of
/// <see cref="LearnerSettings.Shrinkage"/> on the slopes aⱼ (not on c). With little evidence the slopes shrink
/// to 0 and the probability to σ(c), the model's base rate, so a router with nothing to go on ranks models by
/// their priors and sends everything to the best one (Platt scaling with a ridge prior; stacking as in
/// Wolpert 1992).
/// </summary>
public sealed record Calibration(double Intercept, double[] Slopes)
{
    private const double Clip = 1e-4;

    public double Apply(ReadOnlySpan<double> learnerProbabilities)
    {
        var z = Intercept;
        for (var j = 0; j < Slopes.Length; j++)
        {
            z += Slopes[j] * Logit(learnerProbabilities[j]);
        }

        return OutcomeRouter.Sigmoid(z);
    }

    /// <summary>Fits on rows of learner probabilities <paramref name="inputs"/>[i][j] against scores <paramref name="labels"/>[i].</summary>
    public static Calibration Fit(IReadOnlyList<double[]> inputs, IReadOnlyList<double> labels, double shrinkage)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(labels);
        var d = inputs.Count == 0 ? 0 : inputs[0].Length;
        var size = d + 1;
        var beta = new double[size];
        var mean = labels.Count == 0 ? 0.5 : Math.Clamp(labels.Average(), Clip, 1 - Clip);
        beta[0] = Logit(mean);
        var x = inputs.Select(row => row.Select(Logit).ToArray()).ToArray();
        for (var iteration = 0; iteration < 50; iteration++)
        {
            var gradient = new double[size];
            var hessian = new double[size, size];
            for (var i = 0; i < x.Length; i++)
            {
                var z = beta[0];
                for (var j = 0; j < d; j++)
                {
                    z += beta[j + 1] * x[i][j];
                }

                var p = OutcomeRouter.Sigmoid(z);
                var error = p - labels[i];
                var curvature = Math.Max(p * (1 - p), 1e-9);
                for (var a = 0; a < size; a++)
                {
                    var xa = a == 0 ? 1 : x[i][a - 1];
                    gradient[a] += error * xa;
                    for (var b = 0; b < size; b++)
                    {
                        hessian[a, b] += curvature * xa * (b == 0 ? 1 : x[i][b - 1]);
                    }
                }
            }

            for (var a = 1; a < size; a++)
            {
                gradient[a] += shrinkage * beta[a];
                hessian[a, a] += shrinkage;
            }

            hessian[0, 0] += 1e-9;
            var step = Solve(hessian, gradient);
            var largest = 0.0;
            for (var a = 0; a < size; a++)
            {
                beta[a] -= step[a];
                largest = Math.Max(largest, Math.Abs(step[a]));
            }

            if (largest < 1e-10)
            {
                break;
            }
        }

        return new Calibration(beta[0], beta[1..]);
    }

    private static double Logit(double p)
    {
        var q = Math.Clamp(p, Clip, 1 - Clip);
        return Math.Log(q / (1 - q));
    }

    /// <summary>Gaussian elimination with partial pivoting (the system is tiny: one row per learner plus the intercept).</summary>
    private static double[] Solve(double[,] matrix, double[] vector)
    {
        var n = vector.Length;
        var a = (double[,])matrix.Clone();
        var b = (double[])vector.Clone();
        for (var col = 0; col < n; col++)
        {
            var pivot = col;
            for (var row = col + 1; row < n; row++)
            {
                if (Math.Abs(a[row, col]) > Math.Abs(a[pivot, col]))
                {
                    pivot = row;
                }
            }

            for (var k = 0; k < n; k++)
            {
                (a[col, k], a[pivot, k]) = (a[pivot, k], a[col, k]);
            }

            (b[col], b[pivot]) = (b[pivot], b[col]);
            for (var row = col + 1; row < n; row++)
            {
                var factor = a[row, col] / a[col, col];
                for (var k = col; k < n; k++)
                {
                    a[row, k] -= factor * a[col, k];
                }

                b[row] -= factor * b[col];
            }
        }

        var solution = new double[n];
        for (var row = n - 1; row >= 0; row--)
        {
            var sum = b[row];
            for (var k = row + 1; k < n; k++)
            {
                sum -= a[row, k] * solution[k];
            }

            solution[row] = sum / a[row, row];
        }

        return solution;
    }
}
