using Routing.Features;

namespace Routing.Outcomes.Training;

/// <summary>
/// The router's input for one query: the project's signed n-gram hashing (<see cref="TextHashing"/>, unit L2
/// norm, so it says what the query is about but not how long it is), then log(1 + characters) / 10 for length
/// (long queries are both dearer and harder), then a constant 1 for the bias.
/// </summary>
public static class TextFeatures
{
    /// <summary>Features after the hash buckets: length and bias.</summary>
    public const int Extra = 2;

    /// <summary>Length of a feature vector for a hash width of <paramref name="hashWidth"/>.</summary>
    public static int Width(int hashWidth) => hashWidth + Extra;

    /// <summary>Writes the features of <paramref name="text"/> into <paramref name="features"/> (length <see cref="Width"/>).</summary>
    public static void Extract(string text, int hashWidth, Span<float> features)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (features.Length != Width(hashWidth))
        {
            throw new ArgumentException($"features must have {Width(hashWidth)} elements, not {features.Length}", nameof(features));
        }

        TextHashing.HashNGrams(text, features[..hashWidth]);
        features[hashWidth] = MathF.Log(1 + text.Length) / 10f;
        features[hashWidth + 1] = 1f;
    }

    /// <summary>Features of every text, one row each.</summary>
    public static float[][] ExtractAll(IReadOnlyList<string> texts, int hashWidth)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var rows = new float[texts.Count][];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = new float[Width(hashWidth)];
            Extract(texts[i], hashWidth, rows[i]);
        }

        return rows;
    }
}
