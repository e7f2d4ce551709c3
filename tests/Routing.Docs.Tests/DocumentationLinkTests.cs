using Xunit;

namespace Routing.Docs.Tests;

public sealed class DocumentationLinkTests
{
    private static readonly string Root = Repository.Root();

    [Fact]
    public void EveryRelativeLinkInTheRepositorysMarkdownResolvesInsideIt()
    {
        var problems = new List<string>();
        var documents = new Dictionary<string, MarkdownDocument>(StringComparer.Ordinal);
        foreach (var file in MarkdownFiles())
        {
            var document = Load(documents, file);
            foreach (var link in document.Links)
            {
                var problem = Check(documents, file, link.Target);
                if (problem is not null)
                {
                    problems.Add($"{Path.GetRelativePath(Root, file)}:{link.Line}: {link.Target}: {problem}");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void TheLinkCheckFindsTheTestedDocuments()
    {
        var files = MarkdownFiles().Select(f => Path.GetRelativePath(Root, f).Replace('\\', '/')).ToList();

        Assert.Contains("README.md", files);
        Assert.Contains("docs/design.md", files);
        Assert.Contains("docs/lab/README.md", files);
    }

    [Theory]
    [InlineData("The executor", "the-executor")]
    [InlineData("Budget service (`routing bench budget`)", "budget-service-routing-bench-budget")]
    [InlineData("3.2 A step's path", "32-a-steps-path")]
    [InlineData("Routing episodes through the services (`routing bench routing --through-services`) — simulator figures", "routing-episodes-through-the-services-routing-bench-routing---through-services--simulator-figures")]
    [InlineData("Training runs of the [policy](x.md)", "training-runs-of-the-policy")]
    public void HeadingsGetGitHubsAnchors(string heading, string anchor) =>
        Assert.Equal(anchor, MarkdownDocument.Slug(heading));

    [Fact]
    public void LinksInCodeAreNotLinksAndRepeatedHeadingsAreNumbered()
    {
        var document = MarkdownDocument.Parse("# A\n\n## A\n\n`[x](gone.md)`\n\n```\n[y](gone.md)\n# not a heading\n```\n\n[z](here.md#a-1)\n");

        Assert.Equal(["here.md#a-1"], document.Links.Select(l => l.Target));
        Assert.Equal(new HashSet<string> { "a", "a-1" }, document.Anchors);
    }

    private static string? Check(Dictionary<string, MarkdownDocument> documents, string file, string target)
    {
        if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
        {
            return null;
        }

        var hash = target.IndexOf('#', StringComparison.Ordinal);
        var pathPart = Uri.UnescapeDataString(hash < 0 ? target : target[..hash]);
        var anchor = hash < 0 ? null : target[(hash + 1)..];
        var resolved = pathPart.Length == 0 ? file : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, pathPart));
        if (!resolved.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal) && resolved != Root)
        {
            return "points outside the repository (a clone must stand alone)";
        }

        if (!File.Exists(resolved) && !Directory.Exists(resolved))
        {
            return "no such file";
        }

        if (anchor is null || !resolved.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return Load(documents, resolved).Anchors.Contains(anchor) ? null : $"no heading with anchor #{anchor}";
    }

    private static MarkdownDocument Load(Dictionary<string, MarkdownDocument> documents, string file)
    {
        if (!documents.TryGetValue(file, out var document))
        {
            document = MarkdownDocument.Parse(File.ReadAllText(file));
            documents[file] = document;
        }

        return document;
    }

    /// <summary>Every Markdown file of the source tree: build outputs, dependencies and Git's own files excluded.</summary>
    private static IEnumerable<string> MarkdownFiles()
    {
        var pending = new Stack<string>([Root]);
        while (pending.Count > 0)
        {
            var directory = pending.Pop();
            foreach (var file in Directory.EnumerateFiles(directory, "*.md"))
            {
                yield return file;
            }

            foreach (var child in Directory.EnumerateDirectories(directory))
            {
                var name = Path.GetFileName(child);
                if (name is not ("bin" or "obj" or "node_modules") && !name.StartsWith('.'))
                {
                    pending.Push(child);
                }
            }
        }
    }
}
