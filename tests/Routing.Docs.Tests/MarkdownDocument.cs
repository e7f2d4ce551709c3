using System.Text;
using System.Text.RegularExpressions;

namespace Routing.Docs.Tests;

/// <summary>A link target written in a Markdown file, with the line it is on.</summary>
public readonly record struct MarkdownLink(int Line, string Target);

/// <summary>
/// The parts of a Markdown file that links depend on: its inline links and images outside code, and the anchors
/// its headings get on GitHub. Enough of CommonMark for this repository's documents (fenced code and inline code
/// are skipped; the indented command lines they use hold no links), not a general parser.
/// </summary>
public sealed partial class MarkdownDocument
{
    private MarkdownDocument(IReadOnlyList<MarkdownLink> links, IReadOnlySet<string> anchors)
    {
        Links = links;
        Anchors = anchors;
    }

    public IReadOnlyList<MarkdownLink> Links { get; }

    /// <summary>Heading anchors as GitHub writes them (lower case, punctuation dropped, spaces to hyphens, -1, -2 for repeats).</summary>
    public IReadOnlySet<string> Anchors { get; }

    public static MarkdownDocument Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var links = new List<MarkdownLink>();
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var inFence = false;
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            var trimmed = line.TrimStart();
            if (trimmed.StartsWith("```", StringComparison.Ordinal) || trimmed.StartsWith("~~~", StringComparison.Ordinal))
            {
                inFence = !inFence;
                continue;
            }

            if (inFence)
            {
                continue;
            }

            var heading = HeadingPattern().Match(line);
            if (heading.Success)
            {
                var slug = Slug(heading.Groups["text"].Value);
                var count = seen.GetValueOrDefault(slug);
                anchors.Add(count == 0 ? slug : $"{slug}-{count}");
                seen[slug] = count + 1;
            }

            var prose = InlineCodePattern().Replace(line, "");
            foreach (Match link in LinkPattern().Matches(prose))
            {
                links.Add(new MarkdownLink(i + 1, link.Groups["target"].Value));
            }
        }

        return new MarkdownDocument(links, anchors);
    }

    /// <summary>GitHub's heading anchor: inline code and emphasis markers go, letters, digits, '-' and '_' stay.</summary>
    public static string Slug(string heading)
    {
        ArgumentNullException.ThrowIfNull(heading);
        var text = LinkPattern().Replace(heading.Trim(), m => m.Groups["text"].Value);
        var slug = new StringBuilder(text.Length);
        foreach (var c in text.ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_')
            {
                slug.Append(c);
            }
            else if (c == ' ')
            {
                slug.Append('-');
            }
        }

        return slug.ToString();
    }

    [GeneratedRegex(@"^#{1,6}\s+(?<text>.+?)\s*#*\s*$")]
    private static partial Regex HeadingPattern();

    [GeneratedRegex(@"`[^`]*`")]
    private static partial Regex InlineCodePattern();

    [GeneratedRegex(@"!?\[(?<text>[^\]]*)\]\((?<target>[^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex LinkPattern();

}
