using Routing.Testing;

namespace Routing.Backends.Tests;

/// <summary>Cached input and reasoning tokens read from the backend's usage and priced at the agent's prices.</summary>
public sealed class UsageCostTests : ScriptedServerTest
{
    /// <summary>GPT-4o's list prices: $2.50 input, $1.25 cached input, $10 output per million tokens.</summary>
    private static readonly AgentDefinition Gpt4o = new("gpt-4o", new Uri("https://api.example.com/v1"), "gpt-4o", 2_500_000, 10_000_000, 1, 4096, null)
    {
        PriceCachedInMicrosPerMTok = 1_250_000,
    };

    [Fact]
    public async Task CachedAndReasoningTokensAreReadFromTheUsageDetails()
    {
        Server.Enqueue(new ScriptedReply { PromptTokens = 1_000, CachedTokens = 800, CompletionTokens = 200, ReasoningTokens = 150 });
        var backend = Harness.Backend(HttpBackendHarness.Agent(Server.BaseAddress));

        var usage = (await backend.CompleteAsync(HttpBackendHarness.Call(), CancellationToken.None)).Usage;

        Assert.Equal((1_000, 800, 200, 150, false), (usage.PromptTokens, usage.CachedPromptTokens, usage.CompletionTokens, usage.ReasoningTokens, usage.ReasoningOutsideCompletion));
    }

    [Fact]
    public async Task AStreamsUsageChunkCarriesTheDetailsToo()
    {
        Server.Enqueue(new ScriptedReply { Content = "ok", PromptTokens = 500, CachedTokens = 256, CompletionTokens = 40, ReasoningTokens = 30, ReasoningOutsideCompletion = true });
        var backend = Harness.Backend(HttpBackendHarness.Agent(Server.BaseAddress));

        ChatUsage? usage = null;
        await foreach (var chunk in backend.StreamAsync(HttpBackendHarness.Call(), CancellationToken.None))
        {
            usage = chunk.Usage ?? usage;
        }

        Assert.Equal((500, 256, 40, 30, true), (usage!.Value.PromptTokens, usage.Value.CachedPromptTokens, usage.Value.CompletionTokens, usage.Value.ReasoningTokens, usage.Value.ReasoningOutsideCompletion));
        Assert.Equal(70, usage.Value.BilledOutputTokens);
    }

    [Fact]
    public void CachedInputIsBilledAtTheCachedPriceAndReasoningInsideTheCompletionOnce()
    {
        var usage = new ChatUsage(1_000, 200) { CachedPromptTokens = 800, ReasoningTokens = 150 };

        // 200 plain × $2.50 + 800 cached × $1.25 + 200 output × $10, per million: 500 + 1,000 + 2,000 µ$.
        Assert.Equal(3_500, Gpt4o.CostMicros(usage));
    }

    [Fact]
    public void ReasoningCountedApartFromTheCompletionIsBilledAsOutput()
    {
        var usage = new ChatUsage(1_000, 200) { ReasoningTokens = 300, ReasoningOutsideCompletion = true };

        Assert.Equal(2_500 + 5_000, Gpt4o.CostMicros(usage));
    }

    [Fact]
    public void WithoutACachedPriceCachedTokensCostTheInputPrice()
    {
        var plain = Gpt4o with { PriceCachedInMicrosPerMTok = null };

        Assert.Equal(plain.CostMicros(new ChatUsage(1_000, 200)), plain.CostMicros(new ChatUsage(1_000, 200) { CachedPromptTokens = 800 }));
    }

    [Fact]
    public void CacheWritesCostTheirOwnPriceAndBoundTheWorstCaseInputPrice()
    {
        // Claude Sonnet 4: $3 input, $0.30 cache read, $3.75 cache write, $15 output per million.
        var sonnet = Gpt4o with { PriceInMicrosPerMTok = 3_000_000, PriceCachedInMicrosPerMTok = 300_000, PriceCacheWriteMicrosPerMTok = 3_750_000, PriceOutMicrosPerMTok = 15_000_000 };
        var usage = new ChatUsage(10_000, 100) { CachedPromptTokens = 6_000, CacheWritePromptTokens = 3_000 };

        // 1,000 × 3 + 6,000 × 0.30 + 3,000 × 3.75 + 100 × 15 µ$.
        Assert.Equal(3_000 + 1_800 + 11_250 + 1_500, sonnet.CostMicros(usage));
        Assert.Equal(3_750_000, sonnet.WorstInputPriceMicrosPerMTok);
    }

    [Fact]
    public void CachedCountsAboveThePromptAreClampedToIt()
    {
        Assert.Equal(Gpt4o.CostMicros(new ChatUsage(100, 0) { CachedPromptTokens = 100 }), Gpt4o.CostMicros(new ChatUsage(100, 0) { CachedPromptTokens = 5_000 }));
    }
}
