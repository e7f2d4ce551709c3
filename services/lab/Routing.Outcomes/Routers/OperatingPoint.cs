using Routing.Outcomes.Evaluation;

namespace Routing.Outcomes.Routers;

/// <summary>
/// Where a task router operates: λ (accuracy per USD) and a bonus for the default model (the one with the best
/// training base rate). The chosen model is argmax over models of P(success) − λ·predicted cost, plus
/// <see cref="Bonus"/> for the default model: a router only leaves the best model when another is predicted
/// better by more than the bonus, which is how a validation split can make it fall back to the best model.
/// </summary>
public readonly record struct OperatingPoint(double Lambda, double Bonus)
{
    /// <summary>The chosen model; on a tie the one with the lower predicted cost.</summary>
    public int Choose(ReadOnlySpan<double> probabilities, ReadOnlySpan<double> costs, int defaultModel)
    {
        var best = 0;
        var bestValue = double.NegativeInfinity;
        for (var m = 0; m < probabilities.Length; m++)
        {
            var value = probabilities[m] - (Lambda * costs[m]) + (m == defaultModel ? Bonus : 0);
            if (value > bestValue || (value == bestValue && costs[m] < costs[best]))
            {
                best = m;
                bestValue = value;
            }
        }

        return best;
    }
}

/// <summary>One operating point, or two mixed at random per query (<see cref="HighProbability"/> on <see cref="High"/>).</summary>
public sealed record OperatingChoice(OperatingPoint Low, OperatingPoint High, double HighProbability)
{
    public bool Single => HighProbability >= 1 || Low == High;

    public static OperatingChoice At(OperatingPoint point) => new(point, point, 1);
}

/// <summary>The grid of operating points searched on validation and the curve reported on test.</summary>
public static class OperatingGrid
{
    /// <summary>Default-model bonuses searched (P(success) units); 2 always keeps the default at λ = 0.</summary>
    public static IReadOnlyList<double> Bonuses { get; } = [0, 0.01, 0.02, 0.05, 0.1, 0.2, 2];

    /// <summary>The λ sweep of <see cref="OutcomeEvaluator.Lambdas"/> at <paramref name="typicalCostUsd"/>.</summary>
    public static IReadOnlyList<double> Lambdas(double typicalCostUsd) => OutcomeEvaluator.Lambdas(typicalCostUsd, new EvaluationSettings().LambdaSteps);

    /// <summary>Every (λ, bonus) pair, or λ alone when <paramref name="withBonus"/> is false (the textbook baselines).</summary>
    public static List<OperatingPoint> Points(double typicalCostUsd, bool withBonus) =>
        [.. Lambdas(typicalCostUsd).SelectMany(l => (withBonus ? Bonuses : [0.0]).Select(b => new OperatingPoint(l, b)))];

    /// <summary>Accuracy and cost of <paramref name="point"/> over predictions on queries with known scores and costs.</summary>
    public static CurvePoint Measure(Predictions predictions, IReadOnlyList<double[]> scores, IReadOnlyList<double[]> costs, OperatingPoint point, int defaultModel)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        double accuracy = 0, cost = 0;
        for (var q = 0; q < scores.Count; q++)
        {
            var chosen = point.Choose(predictions.Success[q], predictions.CostUsd[q], defaultModel);
            accuracy += scores[q][chosen];
            cost += costs[q][chosen];
        }

        return new CurvePoint(cost / scores.Count, accuracy / scores.Count);
    }

    /// <summary>
    /// On validation: the most accurate point (cheapest among equals) and the cheapest point or mix of two that
    /// reaches <paramref name="targetFraction"/> of the best single model's validation accuracy (null when none does).
    /// </summary>
    public static (OperatingChoice Best, OperatingChoice? Target) Choose(
        Predictions validation, IReadOnlyList<double[]> scores, IReadOnlyList<double[]> costs, IReadOnlyList<OperatingPoint> grid, int defaultModel, double targetFraction)
    {
        ArgumentNullException.ThrowIfNull(grid);
        var measured = grid.Select(p => Measure(validation, scores, costs, p, defaultModel)).ToList();
        var bestIndex = 0;
        for (var i = 1; i < measured.Count; i++)
        {
            if (measured[i].Accuracy > measured[bestIndex].Accuracy + 1e-12 ||
                (Math.Abs(measured[i].Accuracy - measured[bestIndex].Accuracy) <= 1e-12 && measured[i].CostUsd < measured[bestIndex].CostUsd))
            {
                bestIndex = i;
            }
        }

        var models = scores[0].Length;
        var bestSingle = Enumerable.Range(0, models).Max(m => scores.Average(s => s[m]));
        var mix = OperatingCurve.CostToReach(measured, targetFraction * bestSingle);
        return (OperatingChoice.At(grid[bestIndex]), mix is null ? null : new OperatingChoice(grid[mix.Low], grid[mix.High], mix.HighProbability));
    }
}

/// <summary>Per query and model: predicted P(success) and predicted cost in USD.</summary>
public sealed record Predictions(double[][] Success, double[][] CostUsd);
