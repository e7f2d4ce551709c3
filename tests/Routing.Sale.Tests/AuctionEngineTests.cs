using Routing.Contracts.Memory.V1;
using Routing.Sale.Auction;
using Routing.Sale.Jury;
using Routing.Sale.Prompts;
using Routing.Sale.Scoring;
using Routing.Sale.Weights;
using Xunit;

namespace Routing.Sale.Tests;

public class AuctionEngineTests(MemoryOnLoopback memory) : IClassFixture<MemoryOnLoopback>
{
    private static readonly FixedSaleWeights Weights = new(new SaleWeights
    {
        Version = "test-weights",
        Cost = 1,
        Entropy = 0,
        Jurors = new Dictionary<string, double>(),
        DefaultJuror = 1,
    });

    private static AuctionRequest Request(string tenant, string id, params AuctionAgent[] agents) => new()
    {
        Tenant = tenant,
        AuctionId = id,
        TaskText = "Fix the failing test around unicode handling in the parser module.",
        Domain = "coding",
        Agents = agents,
    };

    private static (ScriptedAgents Script, AuctionAgent[] Pool) ThreeAgents()
    {
        var script = new ScriptedAgents();
        return (script, [script.Agent("small", 100_000), script.Agent("mid", 200_000), script.Agent("large", 400_000)]);
    }

    /// <summary>
    /// Three agents whose jury scores every first-round plan by the given scores (small, mid, large), and whose
    /// refined plans (small and mid) get the given scores.
    /// </summary>
    private static (ScriptedAgents Script, AuctionAgent[] Pool) Scored((int Small, int Mid, int Large) plans, int refinedSmall, int refinedMid)
    {
        var (script, pool) = ThreeAgents();
        script.Scores[ScriptedAgents.PlanOf("small")] = plans.Small;
        script.Scores[ScriptedAgents.PlanOf("mid")] = plans.Mid;
        script.Scores[ScriptedAgents.PlanOf("large")] = plans.Large;
        script.RefinedPlans["small"] = "refined plan of small";
        script.RefinedPlans["mid"] = "refined plan of mid";
        script.Scores["refined plan of small"] = refinedSmall;
        script.Scores["refined plan of mid"] = refinedMid;
        return (script, pool);
    }

    /// <summary>A past auction of the tenant that large won, so every agent has contrastive pairs to retrieve.</summary>
    private async Task SeedAsync(string tenant, string id = "past-1")
    {
        var record = new RecordAuctionRequest { Tenant = tenant, AuctionId = id, TaskText = "Fix the failing test around locale handling in the parser module.", Domain = "coding", WinnerIndex = 2 };
        foreach (var agent in new[] { "small", "mid", "large" })
        {
            record.Bids.Add(new Bid { Agent = agent, Strategy = "past plan of " + agent, PlanTokens = 10 });
        }

        await memory.Client.RecordAuctionAsync(record);
        await memory.IndexedAsync(tenant, 1);
    }

    [Fact]
    public async Task CheapestAgentWinningTriggersNoRefinement()
    {
        var tenant = MemoryOnLoopback.NewTenant();
        await SeedAsync(tenant);
        var (script, pool) = ThreeAgents();
        script.Scores[ScriptedAgents.PlanOf("small")] = 5;
        script.Scores[ScriptedAgents.PlanOf("mid")] = 2;
        script.Scores[ScriptedAgents.PlanOf("large")] = 2;

        var result = await new AuctionEngine(Weights, memory.Memory).RunAsync(Request(tenant, "a1", pool), default);

        Assert.Equal("small", result.Winner);
        Assert.Empty(result.RefinedBids);
        Assert.DoesNotContain(script.Calls, c => c.Kind == "refine");
        Assert.True(result.Recorded);
    }

    [Fact]
    public async Task OnlyAgentsCheaperThanTheWinnerRefineAndABetterRefinedBidWins()
    {
        var tenant = MemoryOnLoopback.NewTenant();
        await SeedAsync(tenant);
        var (script, pool) = Scored((1, 3, 5), refinedSmall: 2, refinedMid: 5);

        var result = await new AuctionEngine(Weights, memory.Memory).RunAsync(Request(tenant, "a1", pool), default);

        Assert.Equal("large", result.ProvisionalWinner);
        Assert.Equal(["mid", "small"], script.Calls.Where(c => c.Kind == "refine").Select(c => c.Agent).Order());
        Assert.Equal("mid", result.Winner);
        Assert.True(result.WinnerRefined);
        Assert.Equal("refined plan of mid", result.WinnerPlan);
        var large = result.Bids.Single(b => b.Agent == "large");
        var refinedMid = result.RefinedBids.Single(b => b.Agent == "mid");
        Assert.True(refinedMid.Score.Score < large.Score.Score);

        var stored = await memory.Client.GetAuctionAsync(new GetAuctionRequest { Tenant = tenant, AuctionId = "a1" });
        Assert.Equal(5, stored.Bids.Count);
        Assert.True(stored.Bids[stored.WinnerIndex].Refined);
        Assert.Equal("mid", stored.Bids[stored.WinnerIndex].Agent);
        Assert.Equal(3, stored.Bids[stored.WinnerIndex].JuryScores.Count);
    }

    [Fact]
    public async Task EachJurorScoresAllPlansOfARoundInOneCallAndTheOverheadIsSplitByPhase()
    {
        var tenant = MemoryOnLoopback.NewTenant();
        await SeedAsync(tenant);
        var (script, pool) = Scored((1, 3, 5), refinedSmall: 2, refinedMid: 5);

        var result = await new AuctionEngine(Weights, memory.Memory).RunAsync(Request(tenant, "a1", pool), default);

        // Three jurors, two rounds (first-round plans, then the two refined plans): six jury calls, not 3 × 3 + 3 × 2.
        var jury = script.Calls.Where(c => c.Kind == "jury").ToList();
        Assert.Equal(6, jury.Count);
        Assert.Equal(["large", "large", "mid", "mid", "small", "small"], jury.Select(c => c.Agent).Order());
        var firstRound = jury.Where(c => c.Prompt.Contains(ScriptedAgents.PlanOf("small"), StringComparison.Ordinal)).ToList();
        Assert.Equal(3, firstRound.Count);
        Assert.All(firstRound, c =>
        {
            Assert.Contains(ScriptedAgents.PlanOf("mid"), c.Prompt, StringComparison.Ordinal);
            Assert.Contains(ScriptedAgents.PlanOf("large"), c.Prompt, StringComparison.Ordinal);
            Assert.Contains("Plan 3:", c.Prompt, StringComparison.Ordinal);
            Assert.Equal(JuryAnswer.MaxTokens(3, new AuctionOptions().JuryMaxTokens), c.MaxTokens);
        });
        Assert.All(jury.Except(firstRound), c => Assert.Equal(JuryAnswer.MaxTokens(2, new AuctionOptions().JuryMaxTokens), c.MaxTokens));
        Assert.Equal(new JuryTally(Counted: (3 * 3) + (3 * 2), Invalid: 0, Missing: 0), result.Jury);

        var phases = result.OverheadByPhase;
        Assert.Equal((3, 3, 2, 3), (phases.Bid.Calls, phases.Jury.Calls, phases.Refine.Calls, phases.RefineJury.Calls));
        Assert.Equal(phases.Bid + phases.Jury + phases.Refine + phases.RefineJury, result.Overhead);
        Assert.Equal(script.Calls.Count, result.Overhead.Calls);
        // ScriptedAgents reports a quarter of the prompt's characters as prompt tokens: the phases carry every call's.
        Assert.Equal(jury.Where(c => firstRound.Contains(c)).Sum(c => (long)(c.Prompt.Length / 4)), phases.Jury.PromptTokens);
        Assert.True(phases.Refine.PromptTokens > 0 && phases.RefineJury.CompletionTokens > 0);

        Assert.Equal(AuctionPrompts.DefaultVersion, result.PromptVersion);
        var stored = await memory.Client.GetAuctionAsync(new GetAuctionRequest { Tenant = tenant, AuctionId = "a1" });
        Assert.Equal(AuctionPrompts.DefaultVersion, stored.PromptVersion);
    }

    [Fact]
    public async Task RefinedBidsThatScoreWorseDoNotReplaceTheWinner()
    {
        var tenant = MemoryOnLoopback.NewTenant();
        await SeedAsync(tenant);
        var (_, pool) = Scored((1, 3, 5), refinedSmall: 4, refinedMid: 4);

        var result = await new AuctionEngine(Weights, memory.Memory).RunAsync(Request(tenant, "a1", pool), default);

        Assert.Equal("large", result.Winner);
        Assert.False(result.WinnerRefined);
        Assert.Equal(2, result.RefinedBids.Count);
    }

    /// <summary>A refined plan of about <paramref name="tokens"/> tokens (ScriptedAgents bills 4 characters a token).</summary>
    private static string LongPlan(string agent, int tokens) => "refined plan of " + agent + " " + new string('x', tokens * 4);

    [Fact]
    public async Task TheJuryOnRefinedBidsIsSkippedWhenNoneCouldWinAndTheWinnerIsTheSame()
    {
        // large's plan gets 5 from all three jurors (V = 15, C ≈ 0.1). The refined plans are 500 tokens: small's cost is
        // 0.25 × 5 = 1.25, so even three 5s leave it at ≈ −13.75, above large's ≈ −14.9: no jury could make it win.
        var tenant = MemoryOnLoopback.NewTenant();
        await SeedAsync(tenant);
        var (script, pool) = Scored((1, 3, 5), refinedSmall: 5, refinedMid: 5);
        script.RefinedPlans["small"] = LongPlan("small", 500);
        script.RefinedPlans["mid"] = LongPlan("mid", 500);
        script.Scores[LongPlan("small", 500)] = 5;
        script.Scores[LongPlan("mid", 500)] = 5;

        var skipped = await new AuctionEngine(Weights, memory.Memory).RunAsync(Request(tenant, "a1", pool), default);

        Assert.Equal("large", skipped.Winner);
        Assert.Equal(2, skipped.RefinedBids.Count);
        Assert.Equal(2, skipped.RefinedJurySkipped);
        Assert.Equal(0, skipped.OverheadByPhase.RefineJury.Calls);
        Assert.Equal(3, script.Calls.Count(c => c.Kind == "jury"));
        Assert.Contains(skipped.Notes, n => n.Contains("jury on the refined bids skipped (2)", StringComparison.Ordinal));

        var judged = await new AuctionEngine(Weights, memory.Memory, new AuctionOptions { SkipHopelessRefinedJury = false }).RunAsync(Request(tenant, "a2", pool), default);
        Assert.Equal(0, judged.RefinedJurySkipped);
        Assert.Equal(3, judged.OverheadByPhase.RefineJury.Calls);
        Assert.Equal((skipped.Winner, skipped.WinnerPlan, skipped.WinnerRefined), (judged.Winner, judged.WinnerPlan, judged.WinnerRefined));
    }

    [Theory]
    [InlineData(5, "small")]
    [InlineData(1, "large")]
    public async Task ARefinedBidThatCouldWinIsJudgedWithTheOthers(int refinedSmallScore, string winner)
    {
        // small's short refined plan could beat large with good votes, so the round is held (mid's hopeless 500-token
        // plan is judged with it: the skip is all or nothing); the votes it then gets decide.
        var tenant = MemoryOnLoopback.NewTenant();
        await SeedAsync(tenant);
        var (script, pool) = Scored((1, 3, 5), refinedSmall: refinedSmallScore, refinedMid: 5);
        script.RefinedPlans["mid"] = LongPlan("mid", 500);
        script.Scores[LongPlan("mid", 500)] = 5;

        var result = await new AuctionEngine(Weights, memory.Memory).RunAsync(Request(tenant, "a1", pool), default);

        Assert.Equal(0, result.RefinedJurySkipped);
        Assert.Equal(3, result.OverheadByPhase.RefineJury.Calls);
        Assert.All(result.RefinedBids, b => Assert.Equal(3, b.Features!.Votes.Count));
        Assert.Equal(winner, result.Winner);
    }

    [Fact]
    public async Task MemoryGrowsOnlineAndRefinementStartsOnceItHoldsPairs()
    {
        var tenant = MemoryOnLoopback.NewTenant();
        var (_, pool) = Scored((1, 2, 5), refinedSmall: 1, refinedMid: 1);
        var engine = new AuctionEngine(Weights, memory.Memory);

        var first = await engine.RunAsync(Request(tenant, "a1", pool), default);
        Assert.Empty(first.RefinedBids);
        Assert.Contains(first.Notes, n => n.Contains("no contrastive pairs", StringComparison.Ordinal));
        Assert.Equal(1, await memory.IndexedAsync(tenant, 1));

        var second = await engine.RunAsync(Request(tenant, "a2", pool), default);
        Assert.Equal(2, second.RefinedBids.Count);
        Assert.Equal(2, await memory.IndexedAsync(tenant, 2));

        var retrieved = await memory.Client.RetrieveContrastiveAsync(new RetrieveContrastiveRequest { Tenant = tenant, TaskText = "unicode parser test", Agent = "small" });
        Assert.Equal(2, retrieved.Candidates);
    }

    [Fact]
    public async Task MalformedAndMissingVotesAreExcludedAndCounted()
    {
        var (script, pool) = ThreeAgents();
        script.Scores[ScriptedAgents.PlanOf("small")] = 1;
        script.Scores[ScriptedAgents.PlanOf("mid")] = 5;
        script.Scores[ScriptedAgents.PlanOf("large")] = 3;
        script.RawVerdicts["small"] = "Plan 1: great\nPlan 2: 9\nPlan 3: 4";
        script.RawVerdicts["mid"] = "I cannot decide.";

        var result = await new AuctionEngine(Weights, memory: null).RunAsync(Request("t", "a1", pool), default);

        Assert.Equal(new JuryTally(Counted: 4, Invalid: 2, Missing: 3), result.Jury);
        // small's verdict kept only plan 3 (large's plan: 4); mid's kept none; large's kept all three (1, 5, 3).
        Assert.Equal([("large", 1)], result.Bids.Single(b => b.Agent == "small").Features!.Votes.Select(v => (v.Juror, v.Score)));
        Assert.Equal([("small", 4), ("large", 3)], result.Bids.Single(b => b.Agent == "large").Features!.Votes.Select(v => (v.Juror, v.Score)));
        // Excluded votes are not replaced: large's plan keeps two valid votes (7), mid's one (5).
        Assert.Equal("large", result.Winner);
    }

    [Fact]
    public async Task AJurorThatFailsCountsAsMissingVotesNotAsScores()
    {
        var (script, pool) = ThreeAgents();
        script.Scores[ScriptedAgents.PlanOf("small")] = 2;
        script.Scores[ScriptedAgents.PlanOf("mid")] = 2;
        script.Scores[ScriptedAgents.PlanOf("large")] = 2;
        var flaky = new ScriptedAgents();
        flaky.Broken.Add("extra");
        var withBroken = pool.Append(flaky.Agent("extra", 50_000)).ToArray();

        var result = await new AuctionEngine(Weights, memory: null).RunAsync(Request("t", "a1", withBroken), default);

        Assert.Equal(new JuryTally(Counted: 9, Invalid: 0, Missing: 3), result.Jury);
        Assert.StartsWith("Unavailable", result.Bids.Single(b => b.Agent == "extra").Failure);
        Assert.Equal("small", result.Winner);
    }

    [Fact]
    public async Task EveryBidFailingFallsBackToTheConfiguredAgentWithTheReason()
    {
        var (script, pool) = ThreeAgents();
        script.Broken.UnionWith(["small", "mid", "large"]);

        var result = await new AuctionEngine(Weights, memory.Memory, new AuctionOptions { FallbackAgent = "mid" })
            .RunAsync(Request(MemoryOnLoopback.NewTenant(), "a1", pool), default);

        Assert.Equal("mid", result.Winner);
        Assert.NotNull(result.FallbackReason);
        Assert.Contains("small: Unavailable", result.FallbackReason, StringComparison.Ordinal);
        Assert.Contains("large: Unavailable", result.FallbackReason, StringComparison.Ordinal);
        Assert.False(result.Recorded);
        Assert.DoesNotContain(script.Calls, c => c.Kind == "jury");
    }

    [Fact]
    public async Task AFallbackAgentOutsideThePoolFallsBackToTheCheapestAndSaysSo()
    {
        var (script, pool) = ThreeAgents();
        script.Broken.UnionWith(["small", "mid", "large"]);

        var result = await new AuctionEngine(Weights, memory: null, new AuctionOptions { FallbackAgent = "gone" }).RunAsync(Request("t", "a1", pool), default);

        Assert.Equal("small", result.Winner);
        Assert.Contains("'gone' is not in the pool", result.FallbackReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoJuryAblationMakesNoJuryCalls()
    {
        var (script, pool) = ThreeAgents();

        var result = await new AuctionEngine(Weights, memory: null, new AuctionOptions { Terms = ScoringTerms.Full with { Jury = false } }).RunAsync(Request("t", "a1", pool), default);

        Assert.DoesNotContain(script.Calls, c => c.Kind == "jury");
        Assert.Equal(3, result.Overhead.Calls);
        Assert.Equal("small", result.Winner);
    }
}
