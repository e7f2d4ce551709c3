namespace Routing.Outcomes.Training;

/// <summary>
/// Settings of <see cref="OutcomeRouterTrainer"/>. Defaults were chosen on a seeded 20 % validation split of
/// <c>dcrouter.train</c> only (never on a test file); see docs/benchmarks.md.
/// </summary>
public sealed record TrainerSettings
{
    /// <summary>Hash buckets of the text features.</summary>
    public int HashWidth { get; init; } = 2048;

    /// <summary>Full-batch Adam steps.</summary>
    public int Epochs { get; init; } = 150;

    /// <summary>Adam step size.</summary>
    public double LearningRate { get; init; } = 0.05;

    /// <summary>L2 penalty on the weights (not the bias), per record.</summary>
    public double L2 { get; init; } = 1e-3;

    public List<string> Validate()
    {
        var problems = new List<string>();
        if (HashWidth is < 16 or > 1 << 16)
        {
            problems.Add($"hash width must be between 16 and 65536, not {HashWidth}");
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

        return problems;
    }
}
