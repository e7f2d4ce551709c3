namespace Routing.Outcomes.Routers;

/// <summary>
/// Settings of the task routers and their baselines. Textbook defaults, not tuned on any test file: the logistic
/// fit keeps <see cref="Training.TrainerSettings"/>' values (chosen on a validation split of dcrouter.train),
/// k = 20 neighbours, 5 folds.
/// </summary>
public sealed record LearnerSettings
{
    /// <summary>Hash buckets of the TF-IDF space.</summary>
    public int Width { get; init; } = 1 << 17;

    public int Epochs { get; init; } = 150;

    public double LearningRate { get; init; } = 0.05;

    public double L2 { get; init; } = 1e-3;

    /// <summary>Neighbours of the kNN learner.</summary>
    public int Neighbours { get; init; } = 20;

    /// <summary>Folds of the cross-fitting that gives every training query an out-of-fold prediction (calibration and operating points).</summary>
    public int Folds { get; init; } = 5;

    /// <summary>
    /// L2 penalty on the calibration slopes, in records of evidence: with fewer out-of-fold records than this the
    /// calibrated probability stays near the model's base rate.
    /// </summary>
    public double Shrinkage { get; init; } = 20;

    /// <summary>Strip the training set's shared prefix, suffix and frequent lines before the router's TF-IDF.</summary>
    public bool StripBoilerplate { get; init; } = true;

    public List<string> Validate()
    {
        var problems = new List<string>();
        if (Width is < 16 or > 1 << 22)
        {
            problems.Add($"TF-IDF width must be between 16 and 4194304, not {Width}");
        }

        if (Epochs is < 1 or > 100_000)
        {
            problems.Add($"epochs must be between 1 and 100000, not {Epochs}");
        }

        if (!(LearningRate > 0 && double.IsFinite(LearningRate)))
        {
            problems.Add($"learning rate must be > 0, not {LearningRate}");
        }

        if (!(L2 >= 0 && double.IsFinite(L2)))
        {
            problems.Add($"L2 must be ≥ 0, not {L2}");
        }

        if (Neighbours is < 1 or > 10_000)
        {
            problems.Add($"neighbours must be between 1 and 10000, not {Neighbours}");
        }

        if (Folds is < 2 or > 50)
        {
            problems.Add($"folds must be between 2 and 50, not {Folds}");
        }

        if (!(Shrinkage >= 0 && double.IsFinite(Shrinkage)))
        {
            problems.Add($"shrinkage must be ≥ 0, not {Shrinkage}");
        }

        return problems;
    }
}
