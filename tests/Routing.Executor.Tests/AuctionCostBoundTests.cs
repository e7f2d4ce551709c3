using Routing.Backends;
using Routing.Executor.Auctions;
using Routing.Executor.Options;
using Routing.Executor.Pipeline;
using Routing.Sale.Jury;
using Routing.Sale.Prompts;
using Xunit;

namespace Routing.Executor.Tests;

/// <summary>The auction's reserved worst case against the calls the engine makes: one jury call per juror, sized to its plans.</summary>
public sealed class AuctionCostBoundTests
{
    private static readonly AgentDefinition[] Pool =
    [
        new("small", new Uri("http://x"), "small-model", 1_000_000, 2_000_000, 0, 4096, null),
        new("mid", new Uri("http://x"), "mid-model", 3_000_000, 6_000_000, 0, 4096, null),
        new("large", new Uri("http://x"), "large-model", 10_000_000, 30_000_000, 1, 4096, null),
    ];

    private static long WorstCase(int juryMaxTokens, bool refinement) => AuctionCostBound.WorstCase(
        Pool, AuctionPrompts.Load(), "Fix the failing test around unicode handling.", "coding",
        new ExecutorSaleOptions { JuryMaxTokens = juryMaxTokens }, refinement);

    [Fact]
    public void AJuryCallIsReservedAtWhatItsVerdictOnAllPlansAsksForNotAtTheCeiling()
    {
        // Three plans need JuryAnswer.MaxTokens(3) = 46 tokens out; any ceiling above that reserves the same.
        Assert.Equal(46, JuryAnswer.MaxTokens(3, 1024));
        Assert.Equal(WorstCase(46, refinement: false), WorstCase(1024, refinement: false));
        Assert.Equal(WorstCase(46, refinement: true), WorstCase(1024, refinement: true));
    }

    [Fact]
    public void EachJuryCallsOutputIsPartOfTheReservation()
    {
        // One token less of ceiling takes one output token off each of the three first-round jury calls (at the
        // jurors' output prices); the refined round (two plans, 36 tokens) is below the ceiling and unchanged.
        var perTokenOut = Pool.Sum(a => StepCosts.WorstCase(a, 0, 46) - StepCosts.WorstCase(a, 0, 45));

        Assert.Equal(perTokenOut, WorstCase(46, refinement: true) - WorstCase(45, refinement: true));
        Assert.True(perTokenOut > 0);
    }

    [Fact]
    public void RefinementReservesTheRefinedBidsAndASecondJuryRound()
    {
        Assert.True(WorstCase(256, refinement: true) > WorstCase(256, refinement: false));
    }
}
