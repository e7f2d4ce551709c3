namespace Routing.Training.Boundary;

/// <summary>The boundary-guided difficulty taxonomy of a training task (docs/design.md §2.1.3).</summary>
public enum DifficultyClass
{
    /// <summary>Always-small succeeds.</summary>
    Easy = 0,

    /// <summary>Only always-large succeeds.</summary>
    Hard = 1,

    /// <summary>Neither boundary policy succeeds.</summary>
    Intractable = 2,
}

/// <summary>Classifies a task from its boundary policies' success rates over K runs.</summary>
public static class DifficultyTaxonomy
{
    /// <summary>
    /// Easy when always-small's success rate reaches <paramref name="threshold"/>; else hard when always-large's
    /// does; else intractable. (With K = 5 and threshold 0.5: "succeeds" means in at least 3 of 5 runs.)
    /// </summary>
    public static DifficultyClass Classify(double smallSuccessRate, double largeSuccessRate, double threshold)
    {
        if (smallSuccessRate >= threshold)
        {
            return DifficultyClass.Easy;
        }

        return largeSuccessRate >= threshold ? DifficultyClass.Hard : DifficultyClass.Intractable;
    }
}
