namespace Routing.Features;

/// <summary>
/// Fixed-width signed feature hashing of word unigrams and bigrams (docs/features.md): tokens are maximal
/// runs of letters and digits, lower-cased (invariant); each n-gram is hashed with 32-bit FNV-1a over its
/// UTF-16 code units (bigrams as "first second" with one space); the bucket is the hash modulo the width and
/// the top bit gives the sign. The bucket vector is then scaled to unit L2 norm (all zero for empty text).
/// </summary>
public static class TextHashing
{
    /// <summary>Tokens beyond this many are ignored, so a huge observation costs bounded time.</summary>
    public const int MaxTokens = 512;

    private const uint OffsetBasis = 2166136261;
    private const uint Prime = 16777619;

    public static void HashNGrams(ReadOnlySpan<char> text, Span<float> buckets)
    {
        buckets.Clear();
        if (buckets.IsEmpty)
        {
            return;
        }
        var width = (uint)buckets.Length;
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
            var token = text[start..i];
            Add(buckets, width, Feed(OffsetBasis, token));
            if (previousStart >= 0)
            {
                var hash = Feed(OffsetBasis, text.Slice(previousStart, previousLength));
                hash = Step(hash, ' ');
                Add(buckets, width, Feed(hash, token));
            }
            previousStart = start;
            previousLength = i - start;
            tokens++;
        }

        var sumOfSquares = 0f;
        foreach (var value in buckets)
        {
            sumOfSquares += value * value;
        }
        if (sumOfSquares > 0)
        {
            var scale = 1f / MathF.Sqrt(sumOfSquares);
            for (var b = 0; b < buckets.Length; b++)
            {
                buckets[b] *= scale;
            }
        }
    }

    /// <summary>FNV-1a of the lower-cased characters, continuing from <paramref name="hash"/>.</summary>
    public static uint Feed(uint hash, ReadOnlySpan<char> token)
    {
        foreach (var c in token)
        {
            hash = Step(hash, char.ToLowerInvariant(c));
        }
        return hash;
    }

    private static uint Step(uint hash, char c)
    {
        hash ^= c & 0xFFu;
        hash *= Prime;
        hash ^= (uint)c >> 8;
        hash *= Prime;
        return hash;
    }

    private static void Add(Span<float> buckets, uint width, uint hash) =>
        buckets[(int)(hash % width)] += (hash & 0x8000_0000u) == 0 ? 1f : -1f;
}
