namespace Routing.Outcomes.Routers;

/// <summary>
/// Encoded queries for the learners: the text vector of each (TF-IDF, optionally followed by a sentence
/// embedding) and its length in characters; <see cref="Width"/> bounds every index.
/// </summary>
public sealed record FeatureRows(IReadOnlyList<SparseVector> Vectors, IReadOnlyList<int> Characters, int Width)
{
    public int Count => Vectors.Count;

    /// <summary>The rows at <paramref name="indices"/>.</summary>
    public FeatureRows Select(IReadOnlyList<int> indices) =>
        new([.. indices.Select(i => Vectors[i])], [.. indices.Select(i => Characters[i])], Width);
}
