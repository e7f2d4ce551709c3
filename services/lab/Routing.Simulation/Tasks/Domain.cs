namespace Routing.Simulation.Tasks;

/// <summary>HST-Bench task domains. The numeric values index per-domain arrays.</summary>
public enum Domain
{
    Search = 0,
    Coding = 1,
}

/// <summary>Names and counts shared by everything that loops over domains and complexity bins.</summary>
public static class TaskSpace
{
    public const int DomainCount = 2;

    /// <summary>Bins of human solve time: ≤0.1, ≤0.5, ≤2.5, ≤12.5, ≤60 minutes.</summary>
    public const int BinCount = 5;

    private static readonly double[] BinUpperMinutes = [0.1, 0.5, 2.5, 12.5, 60];

    public static string Name(Domain domain) => domain == Domain.Search ? "search" : "coding";

    public static Domain Parse(string name) => name switch
    {
        "search" => Domain.Search,
        "coding" => Domain.Coding,
        _ => throw new ArgumentException($"Unknown domain '{name}'; expected 'search' or 'coding'.", nameof(name)),
    };

    /// <summary>
    /// The <paramref name="i"/>-th task of a set laid out cell-major — domain, then bin, then
    /// <paramref name="tasksPerCell"/> tasks per cell — as the benchmark, the trainer and the services tally it, so the
    /// n-th task of a cell is the same for any tasks-per-cell.
    /// </summary>
    public static (Domain Domain, int Bin, long Index) CellMajor(long i, int tasksPerCell)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tasksPerCell, 1);
        var cell = (int)(i / tasksPerCell);
        return ((Domain)(cell / BinCount), cell % BinCount, i % tasksPerCell);
    }

    /// <summary>Upper bound of a bin's human solve time in minutes.</summary>
    public static double BinUpperBoundMinutes(int bin) => BinUpperMinutes[bin];

    /// <summary>Human label of a bin, e.g. "≤2.5 min".</summary>
    public static string BinLabel(int bin) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"≤{BinUpperMinutes[bin]} min");
}
