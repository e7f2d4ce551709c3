using System.Collections.Frozen;
using Microsoft.ML.Tokenizers;

namespace Routing.Backends.Tokenization;

/// <summary>
/// The tokenizers an agent's <c>tokenizer</c> setting may name: OpenAI's tiktoken encodings, loaded from the
/// <c>Microsoft.ML.Tokenizers.Data.*</c> packages (no download at run time). Each is built once, on first use, and is
/// thread-safe (tiktoken encoding keeps no per-call state).
/// </summary>
public static class PromptTokenizers
{
    /// <summary>GPT-4o, GPT-4.1, o1/o3/o4, GPT-5.</summary>
    public const string O200kBase = "o200k_base";

    /// <summary>GPT-4, GPT-4 Turbo, GPT-3.5 Turbo, text-embedding-3.</summary>
    public const string Cl100kBase = "cl100k_base";

    private static readonly FrozenDictionary<string, Lazy<Tokenizer>> Encodings = new Dictionary<string, Lazy<Tokenizer>>(StringComparer.Ordinal)
    {
        [O200kBase] = new(() => TiktokenTokenizer.CreateForEncoding(O200kBase)),
        [Cl100kBase] = new(() => TiktokenTokenizer.CreateForEncoding(Cl100kBase)),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Every name a pool file may use, for validation messages.</summary>
    public static IReadOnlyList<string> Names { get; } = [O200kBase, Cl100kBase];

    /// <summary>True when <paramref name="name"/> is a known encoding.</summary>
    public static bool IsKnown(string name) => Encodings.ContainsKey(name);

    /// <summary>The tokenizer of an encoding name, or null for none (the caller falls back to the byte bound).</summary>
    public static Tokenizer? Get(string? name) => name is not null && Encodings.TryGetValue(name, out var tokenizer) ? tokenizer.Value : null;
}
