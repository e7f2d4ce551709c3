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
    /// <summary>Answers a SALE call of <paramref name="agent"/> on the task.</summary>
    public static SaleAnswer For(SaleResponder sale, SimTaskId id, in SimTask task, AgentIndexed agent, ChatRequest request)
    {
        ArgumentNullException.ThrowIfNull(sale);
        ArgumentNullException.ThrowIfNull(request);
        var promptTokens = SaleResponder.PromptTokens(request.PromptText);
        var cap = (int)Math.Min(request.MaxTokens ?? agent.Profile.MaxOutputTokens, agent.Profile.MaxOutputTokens);
        if (request.SaleCall == "jury")
        {
            var verdict = sale.Judge(task, agent.Index, request.PromptText);
            var tokens = CompletionText.Tokenize(verdict);
            var truncated = tokens.Count > cap;
            var content = truncated ? string.Concat(tokens.Take(cap)) : verdict;
            return new SaleAnswer(id, agent, "jury", content, promptTokens, Math.Min(tokens.Count, cap), truncated, null);
        }

        var plan = request.SaleCall == "refine" ? sale.Refine(task, agent.Index, request.PromptText) : sale.Bid(task, agent.Index);
        if (plan.TokenCount > cap)
        {
            plan = new SimulatedPlan(string.Concat(plan.Tokens.Take(cap)), [.. plan.Tokens.Take(cap)], [.. plan.ChosenProbabilities.Take(cap)]);
            return new SaleAnswer(id, agent, request.SaleCall!, plan.Text, promptTokens, cap, true, plan);
        }

        return new SaleAnswer(id, agent, request.SaleCall!, plan.Text, promptTokens, plan.TokenCount, false, plan);
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
