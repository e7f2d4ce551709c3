namespace Routing.Outcomes.Routers;

/// <summary>A sparse feature vector: strictly increasing <see cref="Indices"/> and their values.</summary>
public readonly record struct SparseVector(int[] Indices, float[] Values)
{
    public static SparseVector Empty { get; } = new([], []);

    /// <summary>Dot product with a dense weight vector (indices must be in range).</summary>
    public double Dot(ReadOnlySpan<float> weights)
    {
        double sum = 0;
        for (var k = 0; k < Indices.Length; k++)
        {
            sum += Values[k] * weights[Indices[k]];
        }

        return sum;
    }

    /// <summary>This vector followed by <paramref name="other"/> shifted by <paramref name="offset"/> (which must exceed every index here).</summary>
    public SparseVector Concat(SparseVector other, int offset)
    {
        var indices = new int[Indices.Length + other.Indices.Length];
        var values = new float[indices.Length];
        Indices.CopyTo(indices, 0);
        Values.CopyTo(values, 0);
        for (var k = 0; k < other.Indices.Length; k++)
        {
            indices[Indices.Length + k] = other.Indices[k] + offset;
            values[Indices.Length + k] = other.Values[k];
        }

        return new SparseVector(indices, values);
    }

    /// <summary>Every element scaled by <paramref name="factor"/>.</summary>
    public SparseVector Scale(float factor)
    {
        var values = new float[Values.Length];
        for (var k = 0; k < values.Length; k++)
        {
            values[k] = Values[k] * factor;
        }

        return new SparseVector(Indices, values);
    }
}
