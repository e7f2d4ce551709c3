using System.Numerics.Tensors;

namespace Routing.Outcomes.Training;

/// <summary>
/// A trained task-level router: for a query it predicts each model's probability of success and its cost, and
/// at operating point λ (accuracy per USD) picks argmax over models of P(success) − λ·cost. λ = 0 chases
/// accuracy; large λ picks the cheapest model.
/// </summary>
public sealed class OutcomeRouter
{
    public OutcomeRouter(int hashWidth, IReadOnlyList<RouterModel> models, RouterProvenance provenance)
    {
        ArgumentNullException.ThrowIfNull(models);
        if (models.Count == 0)
        {
            throw new ArgumentException("a router needs at least one model", nameof(models));
        }

        foreach (var model in models)
        {
            if (model.Weights.Length != TextFeatures.Width(hashWidth))
            {
                throw new ArgumentException($"model '{model.Name}' has {model.Weights.Length} weights, expected {TextFeatures.Width(hashWidth)}", nameof(models));
            }
        }

        HashWidth = hashWidth;
        Models = models;
        Provenance = provenance;
    }

    public int HashWidth { get; }

    public IReadOnlyList<RouterModel> Models { get; }

    public RouterProvenance Provenance { get; }

    /// <summary>P(success) of each model given the query's features.</summary>
    public void PredictSuccess(ReadOnlySpan<float> features, Span<double> probabilities)
    {
        for (var m = 0; m < Models.Count; m++)
        {
            probabilities[m] = Sigmoid(TensorPrimitives.Dot(features, Models[m].Weights));
        }
    }

    /// <summary>Predicted cost in USD of each model on a query of <paramref name="characters"/> characters (never negative).</summary>
    public void PredictCost(int characters, Span<double> costs)
    {
        for (var m = 0; m < Models.Count; m++)
        {
            costs[m] = Math.Max(0, Models[m].CostInterceptUsd + Models[m].CostPerCharUsd * characters);
        }
    }

    /// <summary>The chosen model index at λ; on a tie the model with the lower predicted cost wins.</summary>
    public static int Choose(ReadOnlySpan<double> probabilities, ReadOnlySpan<double> costs, double lambda)
    {
        var best = 0;
        var bestValue = double.NegativeInfinity;
        for (var m = 0; m < probabilities.Length; m++)
        {
            var value = probabilities[m] - lambda * costs[m];
            if (value > bestValue || (value == bestValue && costs[m] < costs[best]))
            {
                best = m;
                bestValue = value;
            }
        }

        return best;
    }

    internal static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));
}

/// <summary>Where a router came from: training file and its hash, the holdout it left out, and the settings.</summary>
public sealed record RouterProvenance(
    string TrainFile, string TrainSha256, int TrainRecords, double? HoldoutFraction, ulong? HoldoutSeed,
    string PriceFile, string CostDescription, int AssumedOutputTokens, double CharsPerToken, TrainerSettings Settings, int ClippedScores = 0);
