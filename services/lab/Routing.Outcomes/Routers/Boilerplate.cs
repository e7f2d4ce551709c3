namespace Routing.Outcomes.Routers;

/// <summary>
/// Text that many training prompts share and that therefore says nothing about which model will succeed: a
/// system prompt or few-shot prefix (the longest prefix common to every training text), a common suffix, and
/// whole lines that recur in at least <see cref="MinLineShare"/> of the training texts (few-shot examples that
/// differ per category, instructions, answer templates). Learned on the training texts only and stripped the
/// same way at inference, so a router file carries it. A prefix shared by every prompt swamps unit-normalised
/// word counts: on dcrouter's few-shot prompts it was most of each query's features.
/// </summary>
public sealed class Boilerplate(string prefix, string suffix, IReadOnlyList<string> lines)
{
    /// <summary>Share of training texts a line must appear in to count as boilerplate.</summary>
    public const double MinLineShare = 0.2;

    /// <summary>Lines appearing in fewer texts than this are never boilerplate (small data sets).</summary>
    public const int MinLineTexts = 5;

    /// <summary>Shared prefixes or suffixes shorter than this are left alone (a leading "Q:" is not a system prompt).</summary>
    public const int MinAffixChars = 16;

    private HashSet<string>? _lineSet;

    /// <summary>Shared prefix stripped from the start of a text (empty: none).</summary>
    public string Prefix { get; } = prefix;

    /// <summary>Shared suffix stripped from the end of a text (empty: none).</summary>
    public string Suffix { get; } = suffix;

    /// <summary>Whole lines (trimmed) dropped wherever they occur.</summary>
    public IReadOnlyList<string> Lines { get; } = lines;

    /// <summary>True when nothing is stripped.</summary>
    public bool IsEmpty => Prefix.Length == 0 && Suffix.Length == 0 && Lines.Count == 0;

    public static Boilerplate None { get; } = new("", "", []);

    /// <summary>The boilerplate of <paramref name="texts"/> (none when there are fewer than two).</summary>
    public static Boilerplate Learn(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count < 2)
        {
            return None;
        }

        var prefix = texts[0].Length;
        var suffix = texts[0].Length;
        foreach (var text in texts)
        {
            prefix = Math.Min(prefix, CommonPrefix(texts[0], text));
            suffix = Math.Min(suffix, CommonSuffix(texts[0], text));
        }

        // Cut at a line or word boundary so that a half-shared word stays in the query.
        var prefixText = TrimToBoundary(texts[0][..prefix], fromEnd: true);
        var suffixText = TrimToBoundary(texts[0][^suffix..], fromEnd: false);
        if (prefixText.Length < MinAffixChars)
        {
            prefixText = "";
        }

        if (suffixText.Length < MinAffixChars)
        {
            suffixText = "";
        }

        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var text in texts)
        {
            seen.Clear();
            foreach (var line in SplitLines(text))
            {
                if (line.Length > 0 && seen.Add(line))
                {
                    counts[line] = counts.GetValueOrDefault(line) + 1;
                }
            }
        }

        var threshold = Math.Max(MinLineTexts, MinLineShare * texts.Count);
        var lines = counts.Where(c => c.Value >= threshold).Select(c => c.Key).Order(StringComparer.Ordinal).ToList();
        return new Boilerplate(prefixText, suffixText, lines);
    }

    /// <summary>
    /// <paramref name="text"/> without the boilerplate; the text itself when nothing would be left (a query that
    /// is only boilerplate is still better described by its words than by nothing).
    /// </summary>
    public string Strip(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var body = text.AsSpan();
        if (Prefix.Length > 0 && body.StartsWith(Prefix, StringComparison.Ordinal))
        {
            body = body[Prefix.Length..];
        }

        if (Suffix.Length > 0 && body.EndsWith(Suffix, StringComparison.Ordinal))
        {
            body = body[..^Suffix.Length];
        }

        string result;
        if (Lines.Count == 0)
        {
            result = body.ToString();
        }
        else
        {
            _lineSet ??= new HashSet<string>(Lines, StringComparer.Ordinal);
            var kept = SplitLines(body.ToString()).Where(l => l.Length > 0 && !_lineSet.Contains(l));
            result = string.Join('\n', kept);
        }

        return string.IsNullOrWhiteSpace(result) ? text : result;
    }

    /// <summary>Characters of boilerplate removed from <paramref name="text"/>.</summary>
    public int CharsRemoved(string text) => Math.Max(0, text.Length - Strip(text).Length);

    private static IEnumerable<string> SplitLines(string text) => text.Split('\n').Select(l => l.Trim());

    private static int CommonPrefix(string a, string b) => a.AsSpan().CommonPrefixLength(b);

    private static int CommonSuffix(string a, string b)
    {
        var n = 0;
        while (n < a.Length && n < b.Length && a[a.Length - 1 - n] == b[b.Length - 1 - n])
        {
            n++;
        }

        return n;
    }

    private static string TrimToBoundary(string affix, bool fromEnd)
    {
        if (affix.Length == 0)
        {
            return affix;
        }

        if (fromEnd)
        {
            var cut = affix.Length;
            while (cut > 0 && char.IsLetterOrDigit(affix[cut - 1]))
            {
                cut--;
            }

            return affix[..cut];
        }

        var start = 0;
        while (start < affix.Length && char.IsLetterOrDigit(affix[start]))
        {
            start++;
        }

        return affix[start..];
    }
}
