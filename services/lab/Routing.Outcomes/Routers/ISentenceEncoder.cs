namespace Routing.Outcomes.Routers;

/// <summary>A sentence encoder: unit-norm dense embeddings of texts, computed in batches.</summary>
public interface ISentenceEncoder
{
    /// <summary>Name written into reports and router files (e.g. "all-MiniLM-L6-v2").</summary>
    string Name { get; }

    int Dimensions { get; }

    /// <summary>Embeddings of <paramref name="texts"/>, one row each; <paramref name="progress"/> gets texts done.</summary>
    float[][] Encode(IReadOnlyList<string> texts, Action<int>? progress = null, CancellationToken cancellationToken = default);
}
