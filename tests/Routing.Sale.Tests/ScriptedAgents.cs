using System.Collections.Concurrent;
using System.Text;
using Routing.Backends;
using Routing.Sale.Auction;

namespace Routing.Sale.Tests;

/// <summary>
/// Agents whose answers a test scripts: a fixed plan per agent (and a refined plan), and jurors that give each
/// known plan a fixed score, listing the plans in the order the jury prompt quotes them. Every call is logged.
/// </summary>
internal sealed class ScriptedAgents
{
    public ConcurrentQueue<(string Agent, string Kind, int? MaxTokens, string Prompt)> Calls { get; } = new();

    /// <summary>Plan text → score every juror gives it.</summary>
    public Dictionary<string, int> Scores { get; } = [];

    /// <summary>Agent → its refined plan (unset: refine calls fail).</summary>
    public Dictionary<string, string> RefinedPlans { get; } = [];

    /// <summary>Juror → a raw answer that replaces its verdict (malformed-answer tests).</summary>
    public Dictionary<string, string> RawVerdicts { get; } = [];

    /// <summary>Agents whose every call fails.</summary>
    public HashSet<string> Broken { get; } = [];

    public static string PlanOf(string agent) => $"1. {agent} reads the task. 2. {agent} does the work.";

    public AuctionAgent Agent(string name, long priceMicrosPerMTok) =>
        new(new AgentDefinition(name, new Uri("http://scripted.invalid/v1"), name, priceMicrosPerMTok, priceMicrosPerMTok, 0, 4096, null), new Backend(this, name));

    private ChatResult Answer(string agent, ChatCall call)
    {
        var kind = call.Metadata[AuctionEngine.CallKindMetadata];
        Calls.Enqueue((agent, kind, call.MaxTokens, call.Messages[^1].Content));
        if (Broken.Contains(agent))
        {
            throw new BackendException(BackendFailure.Unavailable, $"{agent} is down", mayHaveBeenBilled: false);
        }

        var prompt = call.Messages[^1].Content;
        var content = kind switch
        {
            "bid" => PlanOf(agent),
            "refine" => RefinedPlans.TryGetValue(agent, out var refined) ? refined : throw new BackendException(BackendFailure.BadResponse, "no refined plan scripted", false),
            _ => RawVerdicts.TryGetValue(agent, out var raw) ? raw : Verdict(prompt),
        };
        IReadOnlyList<TokenLogprob> logprobs = [new TokenLogprob("a", Math.Log(0.5), [new TopLogprob("a", Math.Log(0.5)), new TopLogprob("b", Math.Log(0.5))])];
        return new ChatResult(content, "stop", new ChatUsage(prompt.Length / 4, content.Length / 4), call.Logprobs ? logprobs : null, null, agent);
    }

    private string Verdict(string prompt)
    {
        var quoted = Scores.Keys.Select(plan => (plan, at: prompt.IndexOf(plan, StringComparison.Ordinal))).Where(p => p.at >= 0).OrderBy(p => p.at).ToList();
        var text = new StringBuilder();
        for (var i = 0; i < quoted.Count; i++)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"Plan {i + 1}: {Scores[quoted[i].plan]}\n");
        }

        return text.ToString();
    }

    private sealed class Backend(ScriptedAgents owner, string name) : IChatBackend
    {
        public Task<ChatResult> CompleteAsync(ChatCall call, CancellationToken cancellationToken) => Task.FromResult(owner.Answer(name, call));

        public IAsyncEnumerable<ChatChunk> StreamAsync(ChatCall call, CancellationToken cancellationToken) =>
            throw new NotSupportedException("The auction never streams.");
    }
}
