namespace Routing.Outcomes.Data;

/// <summary>
/// A validated outcome file: every record has an outcome for every model in <see cref="Models"/> (ordinal
/// order), ids are unique, and the file is described by its path and SHA-256 so that a trained router can tell
/// whether it is being evaluated on the file it was trained on.
/// </summary>
public sealed record OutcomeDataset(string Path, string Sha256, IReadOnlyList<string> Models, IReadOnlyList<OutcomeRecord> Records)
{
    /// <summary>Scores outside 0..1 that were clipped while reading (0 unless clipping was asked for).</summary>
    public int ClippedScores { get; init; }

    /// <summary>The records in <paramref name="records"/> as a dataset over the same models (for splits and slices).</summary>
    public OutcomeDataset WithRecords(IReadOnlyList<OutcomeRecord> records) => this with { Records = records };
}
