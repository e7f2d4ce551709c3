using System.Text.RegularExpressions;
using Xunit;

namespace Routing.Docs.Tests;

/// <summary>
/// The product wing compiles no lab code: no deployable service references a project under services/lab/
/// (simulator, trainers, CLI), directly or through a library, and no service image copies one. The graph is read
/// from the .csproj files, so a new ProjectReference that pulls the lab in fails here, before an image is built.
/// </summary>
public sealed partial class ProductWingTests
{
    private static readonly string Root = Repository.Root();

    private static readonly string Lab = Path.Combine(Root, "services", "lab") + Path.DirectorySeparatorChar;

    public static TheoryData<string> Services => new() { "Routing.Budget", "Routing.Policy", "Routing.Memory", "Routing.Executor" };

    [Theory]
    [MemberData(nameof(Services))]
    public void NoServiceReferencesTheLab(string service)
    {
        var closure = References(Path.Combine(Root, "services", service, service + ".csproj"));

        var lab = closure.Where(p => p.StartsWith(Lab, StringComparison.Ordinal)).Select(p => Path.GetRelativePath(Root, p)).ToList();
        Assert.True(lab.Count == 0, $"{service} references lab projects: {string.Join(", ", lab)}");
        Assert.Contains(closure, p => p.EndsWith("Routing.ServiceDefaults.csproj", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void NoServiceImageCopiesTheLab(string service)
    {
        var dockerfile = File.ReadAllText(Path.Combine(Root, "services", service, "Dockerfile"));

        Assert.DoesNotContain("services/lab/", dockerfile, StringComparison.Ordinal);
    }

    [Fact]
    public void TheGraphReachesTheLabThroughTheCli()
    {
        // The check above reads the same graph; here it must find the lab, or it could never fail.
        var closure = References(Path.Combine(Lab, "Routing.Cli", "Routing.Cli.csproj"));

        Assert.Contains(Path.Combine(Lab, "Routing.Simulation", "Routing.Simulation.csproj"), closure);
        Assert.Contains(Path.Combine(Root, "services", "Routing.Executor", "Routing.Executor.csproj"), closure);
    }

    /// <summary>Every project <paramref name="project"/> references, transitively, as full paths.</summary>
    private static HashSet<string> References(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var current))
        {
            foreach (Match reference in ProjectReference().Matches(File.ReadAllText(current)))
            {
                var path = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(current)!, reference.Groups[1].Value.Replace('\\', '/')));
                if (seen.Add(path))
                {
                    pending.Push(path);
                }
            }
        }

        return seen;
    }

    [GeneratedRegex(@"<ProjectReference\s+Include=""([^""]+)""")]
    private static partial Regex ProjectReference();
}
