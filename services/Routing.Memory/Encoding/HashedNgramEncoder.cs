using System.Collections.Frozen;
using System.Numerics.Tensors;

namespace Routing.Memory.Encoding;

/// <summary>
/// The built-in task encoder: hashed n-gram TF-IDF, so that similarity works with no model download.
/// Features are words, word bigrams and character trigrams of each word, each hashed (FNV-1a, stable across
/// processes and machines) into one of <see cref="Dimension"/> buckets with a hash-chosen sign; term
/// frequencies are damped (log 1 + tf) and the vector is L2-normalised.
/// The IDF is fixed rather than fitted on the tenant's corpus: a fitted IDF would shift with every record and
/// silently invalidate every stored vector. It down-weights English function words and weights feature kinds.
/// </summary>
public sealed class HashedNgramEncoder
{
    /// <summary>Changes whenever the features or weights change, so stored vectors are never mixed across versions.</summary>
    public const string Version = "hng1";

    private const float WordWeight = 1.0f;
    private const float BigramWeight = 0.7f;
    private const float TrigramWeight = 0.35f;
    private const float StopWordIdf = 0.15f;
    private const ulong WordSeed = 0x9E3779B97F4A7C15;
    private const ulong BigramSeed = 0xC2B2AE3D27D4EB4F;
    private const ulong TrigramSeed = 0x165667B19E3779F9;

    private static readonly FrozenSet<string> StopWords = FrozenSet.Create(StringComparer.Ordinal,
        "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "into", "is", "it",
        "its", "of", "on", "or", "that", "the", "this", "to", "was", "were", "will", "with", "which", "what",
        "how", "do", "does", "can", "all", "any", "each", "our", "your", "their", "then", "than", "so", "if");

    public HashedNgramEncoder(int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        Dimension = dimension;
    }

    public int Dimension { get; }

    /// <summary>Vector-space name stored with a tenant: encoder version and dimension.</summary>
    public string Space => $"builtin:{Version}:{Dimension}";

    /// <summary>Writes the normalised vector of <paramref name="text"/>; false when the text has no characters to encode.</summary>
    public bool Encode(string text, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (destination.Length != Dimension)
        {
            throw new ArgumentException($"destination must have {Dimension} elements", nameof(destination));
        }
        destination.Clear();
        var lower = text.ToLowerInvariant();
        var previousStart = -1;
        var previousLength = 0;
        var previousIdf = 0f;
        var index = 0;
        var any = false;
        while (index < lower.Length)
        {
            while (index < lower.Length && !char.IsLetterOrDigit(lower[index]))
            {
                index++;
            }
            var start = index;
            while (index < lower.Length && char.IsLetterOrDigit(lower[index]))
            {
                index++;
            }
            if (index == start)
            {
                break;
            }
            any = true;
            var word = lower.AsSpan(start, index - start);
            var idf = StopWords.GetAlternateLookup<ReadOnlySpan<char>>().Contains(word) ? StopWordIdf : 1f;
            Add(destination, Hash(WordSeed, word, default), WordWeight * idf);
            if (previousStart >= 0)
            {
                Add(destination, Hash(BigramSeed, lower.AsSpan(previousStart, previousLength), word), BigramWeight * Math.Min(idf, previousIdf));
            }
            AddTrigrams(destination, word, TrigramWeight * idf);
            previousStart = start;
            previousLength = word.Length;
            previousIdf = idf;
        }
        if (!any)
        {
            // Punctuation or symbols only: fall back to character trigrams of the whole text.
            var trimmed = lower.AsSpan().Trim();
            if (trimmed.IsEmpty)
            {
                return false;
            }
            AddTrigrams(destination, trimmed, TrigramWeight);
        }
        for (var i = 0; i < destination.Length; i++)
        {
            var value = destination[i];
            destination[i] = MathF.Sign(value) * MathF.Log(1 + MathF.Abs(value));
        }
        var norm = TensorPrimitives.Norm(destination);
        if (norm == 0)
        {
            return false;
        }
        TensorPrimitives.Divide(destination, norm, destination);
        return true;
    }

    private static void AddTrigrams(Span<float> destination, ReadOnlySpan<char> word, float weight)
    {
        // Boundary markers make prefixes and suffixes distinct features ("^ru", "ng$").
        Span<char> padded = word.Length <= 126 ? stackalloc char[word.Length + 2] : new char[word.Length + 2];
        padded[0] = '^';
        word.CopyTo(padded[1..]);
        padded[^1] = '$';
        for (var i = 0; i + 3 <= padded.Length; i++)
        {
            Add(destination, Hash(TrigramSeed, padded.Slice(i, 3), default), weight);
        }
    }

    private static void Add(Span<float> destination, ulong hash, float weight)
    {
        var bucket = (int)(hash % (ulong)destination.Length);
        destination[bucket] += (hash >> 63) == 0 ? weight : -weight;
    }

    private static ulong Hash(ulong seed, ReadOnlySpan<char> first, ReadOnlySpan<char> second)
    {
        var hash = 14695981039346656037UL ^ seed;
        foreach (var c in first)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }
        if (!second.IsEmpty)
        {
            hash = (hash ^ ' ') * 1099511628211UL;
            foreach (var c in second)
            {
                hash = (hash ^ c) * 1099511628211UL;
            }
        }
        // Final avalanche so that the low bits (the bucket) and the top bit (the sign) are well mixed.
        hash ^= hash >> 33;
        hash *= 0xFF51AFD7ED558CCD;
        hash ^= hash >> 33;
        return hash;
    }
}
