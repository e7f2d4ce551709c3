using Routing.Features;

namespace Routing.Outcomes.Routers;

/// <summary>
/// TF-IDF over hashed word uni- and bigrams (tokens: runs of letters and digits, lower-cased; FNV-1a as in
/// <see cref="TextHashing"/>, unsigned buckets), sublinear term frequency 1 + ln tf, smoothed IDF
/// ln((1 + N) / (1 + df)) + 1 learned on the training texts (scikit-learn's TfidfVectorizer defaults), unit L2
/// norm. Texts pass through the learned <see cref="Boilerplate"/> first. Unlike the policy's fixed hashing it
/// keeps up to <see cref="MaxTokens"/> tokens, so a long few-shot prompt does not crowd out the question.
/// </summary>
public sealed class TfIdfSpace
{
    /// <summary>Tokens read per text.</summary>
    public const int MaxTokens = 4096;

    private const uint OffsetBasis = 2166136261;

    public TfIdfSpace(int width, float[] idf, Boilerplate boilerplate)
    {
        ArgumentNullException.ThrowIfNull(idf);
        ArgumentNullException.ThrowIfNull(boilerplate);
        if (width < 16 || idf.Length != width)
        {
            throw new ArgumentException($"a TF-IDF space needs width ≥ 16 and one IDF per bucket (width {width}, {idf.Length} IDFs)", nameof(idf));
        }

        Width = width;
        Idf = idf;
        Boilerplate = boilerplate;
    }

    /// <summary>Hash buckets.</summary>
    public int Width { get; }

    /// <summary>IDF per bucket; buckets never seen in training get the largest IDF.</summary>
    public float[] Idf { get; }

    public Boilerplate Boilerplate { get; }

    /// <summary>Learns IDF (and, when <paramref name="stripBoilerplate"/>, the boilerplate) from <paramref name="texts"/>.</summary>
    public static TfIdfSpace Learn(IReadOnlyList<string> texts, int width, bool stripBoilerplate)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var boilerplate = stripBoilerplate ? Boilerplate.Learn(texts) : Boilerplate.None;
        var df = new int[width];
        var counts = new Dictionary<int, int>();
        foreach (var text in texts)
        {
            counts.Clear();
            Count(boilerplate.Strip(text), width, counts);
            foreach (var bucket in counts.Keys)
            {
                df[bucket]++;
            }
        }

        var idf = new float[width];
        for (var b = 0; b < width; b++)
        {
            idf[b] = (float)(Math.Log((1.0 + texts.Count) / (1.0 + df[b])) + 1);
        }

        return new TfIdfSpace(width, idf, boilerplate);
    }

    /// <summary>The unit-norm TF-IDF vector of <paramref name="text"/> (empty when it has no tokens).</summary>
    public SparseVector Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var counts = new Dictionary<int, int>();
        Count(Boilerplate.Strip(text), Width, counts);
        var indices = counts.Keys.Order().ToArray();
        var values = new float[indices.Length];
        double norm = 0;
        for (var k = 0; k < indices.Length; k++)
        {
            var value = (1 + Math.Log(counts[indices[k]])) * Idf[indices[k]];
            values[k] = (float)value;
            norm += value * value;
        }

        if (norm > 0)
        {
            var scale = (float)(1 / Math.Sqrt(norm));
            for (var k = 0; k < values.Length; k++)
            {
                values[k] *= scale;
            }
        }

        return new SparseVector(indices, values);
    }

    private static void Count(string text, int width, Dictionary<int, int> counts)
    {
        var previousStart = -1;
        var previousLength = 0;
        var tokens = 0;
        var i = 0;
        while (i < text.Length && tokens < MaxTokens)
        {
            if (!char.IsLetterOrDigit(text[i]))
            {
                i++;
                continue;
            }

            var start = i;
            while (i < text.Length && char.IsLetterOrDigit(text[i]))
            {
                i++;
            }

            var token = text.AsSpan(start, i - start);
            Add(counts, width, TextHashing.Feed(OffsetBasis, token));
            if (previousStart >= 0)
            {
                var hash = TextHashing.Feed(OffsetBasis, text.AsSpan(previousStart, previousLength));
                hash = TextHashing.Feed(hash, " ");
                Add(counts, width, TextHashing.Feed(hash, token));
            }

            previousStart = start;
            previousLength = i - start;
            tokens++;
        }
    }

    private static void Add(Dictionary<int, int> counts, int width, uint hash)
    {
        var bucket = (int)(hash % (uint)width);
        counts[bucket] = counts.GetValueOrDefault(bucket) + 1;
    }
}
