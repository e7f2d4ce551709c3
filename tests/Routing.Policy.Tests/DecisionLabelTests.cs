using System.Text.RegularExpressions;
using Xunit;

namespace Routing.Policy.Tests;

/// <summary>
/// The decisions counter's <c>model</c> label comes from <c>Routing:Policy:ModelLabels</c>: a caller sending
/// made-up candidate names used to add a series per name (20 calls grew it from 15 to 115 series).
/// </summary>
public sealed partial class DecisionLabelTests
{
    [Fact]
    public async Task RandomCandidateNamesShareOneOtherLabel()
    {
        await using var service = await PolicyServiceInstance.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Routing:Policy:ModelLabels:0"] = "small",
            ["Routing:Policy:ModelLabels:1"] = "large",
        });
        await service.Client.RouteAsync(TestModels.Request());
        var before = ModelLabels(await service.MetricsAsync());
        Assert.Contains(before, label => label is "small" or "large");

        for (var call = 0; call < 20; call++)
        {
            var request = TestModels.Request(taskId: $"task-{call}");
            foreach (var candidate in request.Candidates)
            {
                candidate.Model = $"made-up-{Guid.NewGuid():N}";
            }
            await service.Client.RouteAsync(request);
        }

        var after = ModelLabels(await service.MetricsAsync());
        Assert.Equal([.. before, "other"], after);
    }

    private static SortedSet<string> ModelLabels(string metrics) =>
        new(DecisionSeries().Matches(metrics).Select(m => m.Groups[1].Value), StringComparer.Ordinal);

    [GeneratedRegex("^routing_policy_decisions_total\\{model=\"([^\"]*)\"", RegexOptions.Multiline)]
    private static partial Regex DecisionSeries();
}
