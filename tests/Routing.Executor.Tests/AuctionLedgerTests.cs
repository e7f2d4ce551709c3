using System.Text;
using System.Text.Json;
using Routing.Backends;
using Routing.Contracts.Executor.V1;
using Routing.Executor.Episodes;
using Routing.Executor.Options;
using Routing.Executor.Pipeline;
using Routing.Features;
using Routing.Sale.Auction;
using Routing.Testing;
using StackExchange.Redis;
using Xunit;
using AuctionRequest = Routing.Contracts.Executor.V1.AuctionRequest;

namespace Routing.Executor.Tests;

/// <summary>
/// What an auction puts on the ledger, to the micro-dollar, against the scripted OpenAI server (pool "small" at
/// $1/$2 and "large" at $10/$30 per million tokens; every answer reports 12 prompt and 3 completion tokens).
/// The memory service is unreachable here: the auction still runs, unrecorded, and says so.
/// </summary>
public sealed class AuctionLedgerTests : IAsyncLifetime
{
    private ExecutorStack _stack = null!;

    public async Task InitializeAsync() => _stack = await ExecutorStack.StartAsync(settings: new Dictionary<string, string?>
    {
        ["Routing:Executor:MemoryAddress"] = "http://127.0.0.1:1",
        ["Routing:Executor:Sale:MemoryTimeoutMilliseconds"] = "500",
    });

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    /// <summary>Opens a task for acme and scripts every bid's plan and every juror's verdict.</summary>
    private async Task<string> OpenScriptedAsync(string verdict, string plan)
    {
        var taskId = ExecutorStack.NewTaskId();
        await _stack.OpenAsync(taskId, 1_000_000);
        // Jury calls are told apart by the call-kind metadata, not by prompt wording (which is versioned).
        _stack.Backend.Responder = r => new ScriptedReply { Content = r.Json().RootElement.GetProperty("metadata").GetProperty("routing_sale").GetString() == "jury" ? verdict : plan };
        return taskId;
    }

    [Fact]
    public async Task EveryCallIsChargedWhatItReportedAndBidsWithoutLogprobsSaySo()
    {
        var taskId = await OpenScriptedAsync("Plan 1: 4\nPlan 2: maybe", "1. reproduce the failure\n2. fix it\n3. run the tests");

        var auction = await _stack.Client.AuctionAsync(new AuctionRequest { TaskId = taskId, Domain = "coding" }, ExecutorStack.Acme);

        // Two bids and two jury calls: small 12 × $1 + 3 × $2 = 18 µ$ each, large 12 × $10 + 3 × $30 = 210 µ$ each.
        Assert.Equal(4, auction.Overhead.Calls);
        Assert.Equal((2 * 18) + (2 * 210), auction.ChargedMicros);
        Assert.Equal(auction.ChargedMicros, auction.Overhead.CostMicros);
        Assert.Equal(auction.ChargedMicros, (await _stack.LedgerAsync(taskId)).CommittedMicros);
        Assert.All(auction.Bids, b =>
        {
            Assert.False(b.HasEntropy);
            Assert.Contains("no log-probs", b.EntropyNote, StringComparison.Ordinal);
            Assert.Equal(3, b.PlanTokens);
        });
        // Each juror scored plan 1 and gave plan 2 a word: 2 counted, 2 invalid, never guessed.
        Assert.Equal(new AuctionJury { Counted = 2, Invalid = 2 }, auction.Jury);
        Assert.Equal("small", auction.Winner);
        Assert.False(auction.Recorded);
        Assert.Contains(auction.Notes, n => n.Contains("recording the auction in memory failed", StringComparison.Ordinal));

        // Completing a task whose auction memory never got does not wait for the (unreachable) memory service.
        var done = await _stack.Client.CompleteTaskAsync(new CompleteTaskRequest { TaskId = taskId, Outcome = new Outcome { Success = true } }, ExecutorStack.Acme);
        Assert.True(done.Completed);
    }

    [Fact]
    public async Task BidsThatMayHaveBeenBilledAreChargedTheirWorstCaseAndTheFallbackAgentWins()
    {
        var taskId = ExecutorStack.NewTaskId();
        await _stack.OpenAsync(taskId, 1_000_000);
        _stack.Backend.Responder = r => r.Body.Contains(taskId, StringComparison.Ordinal)
            ? new ScriptedReply { Status = 500, ErrorMessage = "engine crashed mid-decode" }
            : new ScriptedReply();
        var before = _stack.Backend.Requests.Count;

        var auction = await _stack.Client.AuctionAsync(new AuctionRequest { TaskId = taskId }, ExecutorStack.Acme);

        Assert.Equal("small", auction.Winner);
        Assert.Contains("every bid failed", auction.FallbackReason, StringComparison.Ordinal);
        Assert.All(auction.Bids, b => Assert.Contains("HTTP 500", b.Failure, StringComparison.Ordinal));
        // A 500 can come after generation started: each bid is charged its worst case, prompt bound and the plan cap out
        // (the executor's default, the library's 200).
        var planCap = new ExecutorSaleOptions().PlanMaxTokens;
        Assert.Equal(new AuctionOptions().PlanMaxTokens, planCap);
        var bids = _stack.Backend.Requests.Skip(before).ToList();
        Assert.Equal(2, bids.Count);
        var expected = bids.Sum(r =>
        {
            var json = r.Json().RootElement;
            var agent = json.GetProperty("model").GetString() == "small-model"
                ? new AgentDefinition("small", new Uri("http://x"), "small-model", 1_000_000, 2_000_000, 0, 512, null)
                : new AgentDefinition("large", new Uri("http://x"), "large-model", 10_000_000, 30_000_000, 1, 512, null);
            var prompt = json.GetProperty("messages")[0].GetProperty("content").GetString()!;
            Assert.Equal(planCap, json.GetProperty("max_tokens").GetInt32());
            return StepCosts.WorstCase(agent, Encoding.UTF8.GetByteCount(prompt) + (2 * StepCosts.PerMessageOverheadTokens), planCap);
        });
        Assert.Equal(expected, auction.ChargedMicros);
        Assert.Equal(0, auction.Overhead.CostMicros);
        Assert.Equal(expected, (await _stack.LedgerAsync(taskId)).CommittedMicros);
    }

    [Fact]
    public async Task TheNextStepsFeaturesCarryTheAuctionAndItsStateFollowsTheLedger()
    {
        var taskId = await OpenScriptedAsync("Plan 1: 1\nPlan 2: 5", "1. reproduce\n2. fix");
        var auction = await _stack.Client.AuctionAsync(new AuctionRequest { TaskId = taskId }, ExecutorStack.Acme);
        _stack.Backend.Responder = null;

        var step = await _stack.Client.StepAsync(ExecutorStack.Step(taskId), ExecutorStack.Acme);

        // The jury preferred the dearer plan by a wide margin, so "large" (rank 1 of 2) owns the task.
        Assert.Equal("large", auction.Winner);
        var task = await _stack.Client.GetTaskAsync(new GetTaskRequest { TaskId = taskId }, ExecutorStack.Acme);
        Assert.Equal("large", task.Auction.Winner);
        Assert.Equal(auction.Bids.Single(b => b.Agent == "large").Plan, task.Auction.WinnerPlan);
        Assert.True(step.Budget.RemainingMicros < auction.Budget.RemainingMicros);
        using var redis = await ConnectionMultiplexer.ConnectAsync(TestRedis.ConnectionString);
        using var output = new StringWriter();
        await EpisodeExporter.ExportAsync(redis.GetDatabase(), _stack.KeyPrefix, ["acme"], output, CancellationToken.None);
        var record = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Single(r => r.GetProperty("task_id").GetString() == taskId && r.GetProperty("kind").GetString() == "step");
        var features = record.GetProperty("features").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        Assert.Equal(1f, features[FeatureSchemaV1.HasAuction]);
        Assert.Equal(1f, features[FeatureSchemaV1.AuctionWinnerRank]);
        var small = auction.Bids.Single(b => b.Agent == "small").Score;
        var large = auction.Bids.Single(b => b.Agent == "large").Score;
        Assert.Equal((float)Math.Tanh(small - large), features[FeatureSchemaV1.AuctionMargin], 5);
        // The features' budget state saw the auction's spend (it left the task's remaining budget below its limit).
        Assert.True(features[0] < 1f);
    }
}
