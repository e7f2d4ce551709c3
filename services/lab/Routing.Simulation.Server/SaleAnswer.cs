using Routing.Simulation.Sale;
using Routing.Simulation.Tasks;

namespace Routing.Simulation.Server;

/// <summary>
/// The simulator's answer to a SALE auction call (<c>metadata.routing_sale</c> = bid, jury or refine): a plan or
/// a jury verdict. It does not advance the task's episode. Plans carry per-token log-probabilities whose
/// top-k entropy is the simulated plan entropy; jury verdicts carry the generic ones.
/// </summary>
public sealed record SaleAnswer(SimTaskId TaskId, AgentIndexed Agent, string Kind, string Content, int PromptTokens, int CompletionTokens, bool Truncated, SimulatedPlan? Plan)
{
    /// <summary>Answers a SALE call (<paramref name="kind"/> bid, jury or refine) of <paramref name="agent"/> on the task.</summary>
    public static SaleAnswer For(SaleResponder sale, SimTaskId id, in SimTask task, AgentIndexed agent, string kind, string promptText, long? maxTokens)
    {
        ArgumentNullException.ThrowIfNull(sale);
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(promptText);
        if (!ChatRequest.SaleCallKinds.Contains(kind))
        {
            throw new ArgumentException($"Unknown SALE call kind '{kind}'; expected bid, jury or refine.", nameof(kind));
        }

        var promptTokens = SaleResponder.PromptTokens(promptText);
        var cap = (int)Math.Min(maxTokens ?? agent.Profile.MaxOutputTokens, agent.Profile.MaxOutputTokens);
        if (kind == "jury")
        {
            var verdict = sale.Judge(task, agent.Index, promptText);
            var tokens = CompletionText.Tokenize(verdict);
            var truncated = tokens.Count > cap;
            var content = truncated ? string.Concat(tokens.Take(cap)) : verdict;
            return new SaleAnswer(id, agent, "jury", content, promptTokens, Math.Min(tokens.Count, cap), truncated, null);
        }

        var plan = kind == "refine" ? sale.Refine(task, agent.Index, promptText) : sale.Bid(task, agent.Index);
        if (plan.TokenCount > cap)
        {
            plan = new SimulatedPlan(string.Concat(plan.Tokens.Take(cap)), [.. plan.Tokens.Take(cap)], [.. plan.ChosenProbabilities.Take(cap)]);
            return new SaleAnswer(id, agent, kind, plan.Text, promptTokens, cap, true, plan);
        }

        return new SaleAnswer(id, agent, kind, plan.Text, promptTokens, plan.TokenCount, false, plan);
    }

    /// <summary>Stable hash of the answer under a server seed: its completion id and the seed of a verdict's log-probs.</summary>
    public ulong Hash(ulong seed)
    {
        var hash = CompletionText.Mix(
            CompletionText.Mix(seed, (ulong)TaskId.Index),
            ((ulong)TaskId.Domain << 56) | ((ulong)TaskId.Bin << 48) | ((ulong)(uint)TaskId.Attempt << 16) | ((ulong)Agent.Index << 8) | (uint)Kind.Length);
        return CompletionText.Mix(hash, (ulong)Content.Length);
    }

    /// <summary>Log-probs of the answer with <paramref name="top"/> alternatives per token.</summary>
    public IReadOnlyList<TokenLogprob> Logprobs(int top, ulong seed)
    {
        if (Plan is null)
        {
            return CompletionText.Logprobs(CompletionText.Tokenize(Content), 0.8, seed, top);
        }

        var result = new List<TokenLogprob>(Plan.TokenCount);
        for (var i = 0; i < Plan.TokenCount; i++)
        {
            result.Add(new TokenLogprob(Plan.Tokens[i], Math.Log(Plan.ChosenProbabilities[i]), Plan.TopLogprobs(i, top)));
        }

        return result;
    }
}

/// <summary>A served agent and its index in the served pool.</summary>
public sealed record AgentIndexed(int Index, Agents.AgentProfile Profile);
