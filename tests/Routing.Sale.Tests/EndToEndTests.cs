using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Routing.Backends;
using Routing.Backends.OpenAi;
using Routing.Contracts.Memory.V1;
using Routing.Sale.Auction;
using Routing.Sale.Scoring;
using Routing.Sale.Weights;
using Routing.Simulation.Server;
using Xunit;

namespace Routing.Sale.Tests;

/// <summary>
/// Auctions against the OpenAI-compatible simulator endpoint (<see cref="SimulatorServer"/> on loopback) through the
/// real HTTP backend (<see cref="OpenAiChatBackend"/>), with the real memory service.
/// </summary>
public sealed class EndToEndTests(MemoryOnLoopback memory) : IClassFixture<MemoryOnLoopback>, IAsyncLifetime
{
    private const ulong Seed = 4_242;
    private static readonly (string Name, long Price)[] Pool = SimulatedPool.Agents;

    private SimulatorServer _server = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _server = await SimulatorServer.StartAsync(new SimulatorServerOptions { Port = 0, Seed = Seed });
        _services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Routing:Backends:Timeout"] = "00:00:20" }).Build())
            .AddLogging(l => l.ClearProviders())
            .AddOpenAiBackendHttp()
            .BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _server.DisposeAsync();
    }

    private AuctionAgent[] HttpAgents() => Pool.Select(p =>
    {
        var definition = new AgentDefinition(p.Name, new Uri(_server.Address, "v1"), p.Name, p.Price, p.Price, 0, 4096, null);
        var backend = new OpenAiChatBackend(
            definition,
            _services.GetRequiredService<IHttpClientFactory>().CreateClient(OpenAiChatBackend.HttpClientName),
            _services.GetRequiredService<IOptions<OpenAiBackendOptions>>().Value,
            _services.GetRequiredService<ILogger<OpenAiChatBackend>>());
        return new AuctionAgent(definition, backend);
    }).ToArray();

    private static AuctionAgent[] InProcessAgents() => SimulatedPool.InProcess(Seed);

    private static AuctionRequest Request(string tenant, string id, string task, AuctionAgent[] agents) => new()
    {
        Tenant = tenant,
        AuctionId = id,
        TaskId = task,
        TaskText = "Fix the failing test around unicode handling in the parser module without changing its public API.",
        Domain = "coding",
        Agents = agents,
    };

    [Fact]
    public async Task AnAuctionOverTheSimulatorEndpointBidsJudgesRecordsAndMatchesTheInProcessSimulator()
    {
        var tenant = MemoryOnLoopback.NewTenant();
        var weights = new FixedSaleWeights(SaleWeights.Untrained(Pool.Select(p => p.Name)));
        var engine = new AuctionEngine(weights, memory.Memory);

        var result = await engine.RunAsync(Request(tenant, "e2e-1", "coding-1-3", HttpAgents()), default);

        Assert.Equal(4, result.Bids.Count);
        Assert.All(result.Bids, b =>
        {
            Assert.True(b.Valid, b.Failure);
            Assert.InRange(b.Features!.PlanTokens, 24, 256);
            Assert.InRange(b.Features.Entropy!.Value, 0.0, 1.0);
            Assert.Null(b.EntropyNote);
        });
        Assert.Equal(16, result.Jury.Counted + result.Jury.Invalid + result.Jury.Missing);
        Assert.True(result.Jury.Counted >= 12, $"jury {result.Jury}");
        Assert.Contains(result.Winner, Pool.Select(p => p.Name));
        Assert.True(result.Overhead.Tokens > 0 && result.Overhead.CostMicros > 0);
        Assert.True(result.Recorded);
        var stored = await memory.Client.GetAuctionAsync(new GetAuctionRequest { Tenant = tenant, AuctionId = "e2e-1" });
        Assert.Equal(result.Winner, stored.Bids[stored.WinnerIndex].Agent);

        // The same auction through the in-process simulator backend sees the same plans, votes and winner.
        var local = await new AuctionEngine(weights, memory: null).RunAsync(Request(tenant, "e2e-1", "coding-1-3", InProcessAgents()), default);
        Assert.Equal(result.Bids.Select(b => b.Plan), local.Bids.Select(b => b.Plan));
        Assert.Equal(result.Bids.Select(b => b.Score.Score), local.Bids.Select(b => b.Score.Score));
        Assert.Equal(result.ProvisionalWinner, local.ProvisionalWinner);
    }

    [Fact]
    public async Task ABackendWithoutLogprobsLosesOnlyItsEntropyTerm()
    {
        var agents = HttpAgents();
        var noLogprobs = agents.Select(a => a with { Backend = new WithoutLogprobs(a.Backend) }).ToArray();
        var weights = new FixedSaleWeights(SaleWeights.Untrained(Pool.Select(p => p.Name)) with { Entropy = 0.3 });

        var result = await new AuctionEngine(weights, memory: null).RunAsync(Request("t", "e2e-2", "search-2-9", noLogprobs), default);

        Assert.All(result.Bids, b =>
        {
            Assert.True(b.Valid);
            Assert.Null(b.Features!.Entropy);
            Assert.Contains("no log-probs", b.EntropyNote, StringComparison.Ordinal);
            Assert.Equal(0, b.Features.EntropyFeature(ScoringTerms.Full));
        });
    }

    /// <summary>A backend that ignores the log-probs request, as some servers do.</summary>
    private sealed class WithoutLogprobs(IChatBackend inner) : IChatBackend
    {
        public async Task<ChatResult> CompleteAsync(ChatCall call, CancellationToken cancellationToken) =>
            await inner.CompleteAsync(call with { Logprobs = false, TopLogprobs = 0 }, cancellationToken);

        public IAsyncEnumerable<ChatChunk> StreamAsync(ChatCall call, CancellationToken cancellationToken) => inner.StreamAsync(call, cancellationToken);
    }
}
