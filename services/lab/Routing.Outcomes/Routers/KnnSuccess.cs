namespace Routing.Outcomes.Routers;

/// <summary>
/// k nearest training queries by cosine similarity of their text vectors (an inverted index over the sparse
/// rows, so a query costs its terms' postings rather than a pass over every row). Success of a model is the
/// similarity-weighted mean of the neighbours' scores plus one pseudo-neighbour at the model's training base
/// rate (<see cref="PriorWeight"/>), so a query with no similar neighbour gets the prior; cost likewise, with the
/// length line's prediction as the prior.
/// </summary>
public sealed class KnnSuccess
{
    /// <summary>Weight of the prior pseudo-neighbour, in units of cosine similarity.</summary>
    public const double PriorWeight = 1.0;

    private readonly int[] _postingStart;
    private readonly int[] _postingRow;
    private readonly float[] _postingValue;

    public KnnSuccess(FeatureRows memory, IReadOnlyList<double[]> scores, IReadOnlyList<double[]> costs, int k)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(costs);
        if (memory.Count == 0 || scores.Count != memory.Count || costs.Count != memory.Count)
        {
            throw new ArgumentException($"kNN memory needs one score and cost row per query ({memory.Count} queries, {scores.Count} score rows, {costs.Count} cost rows)", nameof(scores));
        }

        if (k < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, "k must be ≥ 1");
        }

        Memory = memory;
        Scores = scores;
        Costs = costs;
        K = k;
        var models = scores[0].Length;
        Prior = new double[models];
        for (var m = 0; m < models; m++)
        {
            Prior[m] = scores.Average(s => s[m]);
        }

        var counts = new int[memory.Width + 1];
        foreach (var v in memory.Vectors)
        {
            foreach (var index in v.Indices)
            {
                counts[index + 1]++;
            }
        }

        for (var b = 0; b < memory.Width; b++)
        {
            counts[b + 1] += counts[b];
        }

        _postingStart = counts;
        _postingRow = new int[counts[^1]];
        _postingValue = new float[counts[^1]];
        var fill = (int[])counts.Clone();
        for (var row = 0; row < memory.Count; row++)
        {
            var v = memory.Vectors[row];
            for (var t = 0; t < v.Indices.Length; t++)
            {
                var slot = fill[v.Indices[t]]++;
                _postingRow[slot] = row;
                _postingValue[slot] = v.Values[t];
            }
        }
    }

    public FeatureRows Memory { get; }

    public IReadOnlyList<double[]> Scores { get; }

    public IReadOnlyList<double[]> Costs { get; }

    public int K { get; }

    /// <summary>Training base rate of each model.</summary>
    public double[] Prior { get; }

    /// <summary>
    /// Success probabilities of every model, and costs where <paramref name="costs"/> is not empty (then
    /// <paramref name="priorCosts"/> gives the prior cost of each model).
    /// </summary>
    public void Predict(SparseVector query, Span<double> probabilities, Span<double> costs, ReadOnlySpan<double> priorCosts)
    {
        var similarity = new double[Memory.Count];
        var touched = new List<int>();
        for (var t = 0; t < query.Indices.Length; t++)
        {
            var index = query.Indices[t];
            var value = query.Values[t];
            for (var slot = _postingStart[index]; slot < _postingStart[index + 1]; slot++)
            {
                var row = _postingRow[slot];
                if (similarity[row] == 0)
                {
                    touched.Add(row);
                }

                similarity[row] += value * _postingValue[slot];
            }
        }

        // Top k by similarity; ties broken by the lower row so the result does not depend on hashing order.
        var neighbours = touched.Where(r => similarity[r] > 0).OrderByDescending(r => similarity[r]).ThenBy(r => r).Take(K).ToList();
        double weight = PriorWeight;
        for (var m = 0; m < probabilities.Length; m++)
        {
            probabilities[m] = PriorWeight * Prior[m];
            if (!costs.IsEmpty)
            {
                costs[m] = PriorWeight * priorCosts[m];
            }
        }

        foreach (var row in neighbours)
        {
            var w = similarity[row];
            weight += w;
            for (var m = 0; m < probabilities.Length; m++)
            {
                probabilities[m] += w * Scores[row][m];
                if (!costs.IsEmpty)
                {
                    costs[m] += w * Costs[row][m];
                }
            }
        }

        for (var m = 0; m < probabilities.Length; m++)
        {
            probabilities[m] /= weight;
            if (!costs.IsEmpty)
            {
                costs[m] /= weight;
            }
        }
    }
}
