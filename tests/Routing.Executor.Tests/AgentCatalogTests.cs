using Routing.Backends;
using Routing.Executor.Pipeline;
using Xunit;

namespace Routing.Executor.Tests;

/// <summary>The policy's choice is checked against the pool it was offered, never taken on trust.</summary>
public sealed class AgentCatalogTests
{
    private static readonly AgentCatalog Catalog = AgentCatalog.Build(new AgentPoolSnapshot("v7",
    [
        new AgentDefinition("large", new Uri("http://x"), "large-model", 10_000_000, 30_000_000, 1, 512, null),
        new AgentDefinition("small", new Uri("http://x"), "small-model", 1_000_000, 2_000_000, 0, 512, null),
    ]), "small");

    [Fact]
    public void TheOfferedCandidateIsTheAgentAtItsIndex()
    {
        Assert.Equal("small", Catalog.Chosen(0, "small", 2).Name);
        Assert.Equal("large", Catalog.Chosen(1, "large", 2).Name);
    }

    [Theory]
    [InlineData(2, "huge", 2, "candidate 2 ('huge'), but it was offered 2 agents of the pool (version v7)")]
    [InlineData(1, "large", 1, "candidate 1 ('large'), but it was offered 1 agents")]
    [InlineData(-1, "", 2, "candidate -1")]
    [InlineData(1, "small", 2, "chose 'small' as candidate 1, which is agent 'large' (tier 1)")]
    public void AChoiceThePoolDoesNotHaveFailsTheStepNamingIt(int index, string model, int offered, string expected)
    {
        var failure = Assert.Throws<StepFailure>(() => Catalog.Chosen(index, model, offered));

        Assert.Equal(StepFailureKind.BackendBadResponse, failure.Kind);
        Assert.Contains(expected, failure.Message, StringComparison.Ordinal);
    }
}
