using Routing.Simulation.Tasks;

namespace Routing.Training.Boundary;

/// <summary>What the K runs of each boundary policy showed about one training task.</summary>
public sealed class BoundaryRecord
{
    public BoundaryRecord(SimTask task, bool[] smallSuccess, long[] smallCost, bool[] largeSuccess, long[] largeCost, double threshold)
    {
        ArgumentNullException.ThrowIfNull(smallSuccess);
        ArgumentNullException.ThrowIfNull(smallCost);
        ArgumentNullException.ThrowIfNull(largeSuccess);
        ArgumentNullException.ThrowIfNull(largeCost);
        if (smallSuccess.Length == 0 || smallSuccess.Length != smallCost.Length || smallSuccess.Length != largeSuccess.Length || largeSuccess.Length != largeCost.Length)
        {
            throw new ArgumentException("boundary runs must be K ≥ 1 per policy, with a cost per run");
        }

        Task = task;
        SmallSuccess = smallSuccess;
        SmallCost = smallCost;
        LargeSuccess = largeSuccess;
        LargeCost = largeCost;
        SmallSuccessRate = Rate(smallSuccess);
        LargeSuccessRate = Rate(largeSuccess);
        SmallMeanCost = smallCost.Average();
        LargeMeanCost = largeCost.Average();
        Class = DifficultyTaxonomy.Classify(SmallSuccessRate, LargeSuccessRate, threshold);
    }

    public SimTask Task { get; }

    public bool[] SmallSuccess { get; }

    public long[] SmallCost { get; }

    public bool[] LargeSuccess { get; }

    public long[] LargeCost { get; }

    public double SmallSuccessRate { get; }

    public double LargeSuccessRate { get; }

    /// <summary>The task's lower boundary cost: always-small's mean cost over the K runs.</summary>
    public double SmallMeanCost { get; }

    /// <summary>The task's upper boundary cost: always-large's mean cost over the K runs.</summary>
    public double LargeMeanCost { get; }

    public DifficultyClass Class { get; }

    public int Attempts => SmallSuccess.Length;

    private static double Rate(bool[] outcomes)
    {
        var n = 0;
        foreach (var o in outcomes)
        {
            n += o ? 1 : 0;
        }

        return (double)n / outcomes.Length;
    }
}
