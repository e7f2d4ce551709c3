namespace Routing.Outcomes.Routers;

/// <summary>
/// A task router fitted by <see cref="TaskRouterTrainer"/>: for a query it predicts each model's P(success) and
/// cost, and routes at the operating points chosen on out-of-fold validation predictions of its training data
/// (<see cref="Best"/>: most accurate; <see cref="Target"/>: cheapest reaching the target share of the best
/// single model's validation accuracy).
/// </summary>
public sealed class TaskRouter
{
    public required RouterKind Kind { get; init; }

    public required IReadOnlyList<string> Models { get; init; }

    public required TfIdfSpace Space { get; init; }

    /// <summary>Encoder whose embeddings follow the TF-IDF vector (null: TF-IDF only).</summary>
    public ISentenceEncoder? Encoder { get; init; }

    public LogisticSuccess? Logistic { get; init; }

    public KnnSuccess? Knn { get; init; }

    /// <summary>Per model, over [logistic, kNN] probabilities (calibrated router only).</summary>
    public IReadOnlyList<Calibration>? Calibrations { get; init; }

    /// <summary>Per model: cost ≈ intercept + slope × characters, least squares on training costs.</summary>
    public required IReadOnlyList<(double Intercept, double Slope)> CostLines { get; init; }

    /// <summary>The model with the best training base rate (cheaper on a tie): where the bonus points.</summary>
    public required int DefaultModel { get; init; }

    /// <summary>Mean training cost per query and model: the λ sweep's scale.</summary>
    public required double TypicalCostUsd { get; init; }

    public required OperatingChoice Best { get; init; }

    public OperatingChoice? Target { get; init; }

    /// <summary>Out-of-fold validation accuracy and cost at <see cref="Best"/>, and the best single model's validation accuracy.</summary>
    public required ValidationSummary Validation { get; init; }

    /// <summary>Feature rows of <paramref name="texts"/> in this router's space.</summary>
    public FeatureRows Encode(IReadOnlyList<string> texts, CancellationToken cancellationToken = default) =>
        TaskRouterTrainer.Encode(Space, Encoder, texts, cancellationToken);

    /// <summary>Predicted P(success) and cost of every model for every row.</summary>
    public Predictions Predict(FeatureRows rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var models = Models.Count;
        var success = new double[rows.Count][];
        var costs = new double[rows.Count][];
        var lr = new double[models];
        var knn = new double[models];
        var knnCost = new double[models];
        var line = new double[models];
        var stack = new double[2];
        for (var q = 0; q < rows.Count; q++)
        {
            success[q] = new double[models];
            costs[q] = new double[models];
            for (var m = 0; m < models; m++)
            {
                line[m] = Math.Max(0, CostLines[m].Intercept + (CostLines[m].Slope * rows.Characters[q]));
            }

            Logistic?.Predict(rows.Vectors[q], rows.Characters[q], lr);
            Knn?.Predict(rows.Vectors[q], knn, knnCost, line);
            for (var m = 0; m < models; m++)
            {
                switch (Kind)
                {
                    case RouterKind.LogisticTfIdf:
                        success[q][m] = lr[m];
                        costs[q][m] = line[m];
                        break;
                    case RouterKind.KnnTfIdf:
                        success[q][m] = knn[m];
                        costs[q][m] = knnCost[m];
                        break;
                    default:
                        stack[0] = lr[m];
                        stack[1] = knn[m];
                        success[q][m] = Calibrations![m].Apply(stack);
                        costs[q][m] = knnCost[m];
                        break;
                }
            }
        }

        return new Predictions(success, costs);
    }
}

/// <summary>What the router measured on its out-of-fold validation predictions.</summary>
public sealed record ValidationSummary(int Queries, double BestSingleAccuracy, string BestSingleModel, double AccuracyAtBest, double CostUsdAtBest);
