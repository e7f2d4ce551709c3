using System.Globalization;
using System.Text;
using Routing.Backends;
using Routing.Executor.Options;
using Routing.Executor.Pipeline;
using Routing.Sale.Jury;
using Routing.Sale.Prompts;

namespace Routing.Executor.Auctions;

/// <summary>
/// The worst case of an auction, reserved before it runs: for every agent its bid, its one jury call on all plans, and (when
/// refinement is on) for every agent but the dearest a refined bid and a second jury call on the refined plans,
/// each at every prompt token (bounded from UTF-8 bytes as for a step) and max_tokens out. Bid prompts are known
/// exactly; jury and refine prompts quote plans and past tasks not written yet, bounded with
/// <see cref="ExecutorSaleOptions.AssumedBytesPerPlanToken"/> and <see cref="ExecutorSaleOptions.AssumedPastTaskBytes"/>.
/// Should a prompt still come out longer, <see cref="LedgeredAuctionBackend"/> does not send it.
/// </summary>
public static class AuctionCostBound
{
    /// <summary>"Plan N:\n" and blank lines around each quoted plan; pair headers in refine prompts.</summary>
    private const int PerPlanFramingBytes = 32;

    private const int PerPairFramingBytes = 96;

    public static long WorstCase(IReadOnlyList<AgentDefinition> agents, AuctionPrompts prompts, string taskText, string domain, ExecutorSaleOptions options, bool refinement)
    {
        ArgumentNullException.ThrowIfNull(agents);
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(options);
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["task"] = taskText.Trim(),
            ["domain"] = string.IsNullOrEmpty(domain) ? "unspecified" : domain,
            ["max_tokens"] = options.PlanMaxTokens.ToString(CultureInfo.InvariantCulture),
        };
        var bidPrompt = Bytes(AuctionPrompts.Render(prompts.Bid, values));
        var context = Bytes(values["task"]) + Bytes(values["domain"]) + Bytes(values["max_tokens"]);
        var planBytes = (long)options.PlanMaxTokens * options.AssumedBytesPerPlanToken;
        var n = agents.Count;
        var juryPrompt = Bytes(prompts.Jury) + context + (n * (planBytes + PerPlanFramingBytes));
        var refinedJuryPrompt = Bytes(prompts.Jury) + context + (Math.Max(0, n - 1) * (planBytes + PerPlanFramingBytes));
        var pairs = (long)options.MemoryK * options.PairsPerTask;
        var refinePrompt = Bytes(prompts.Refine) + context + planBytes + (pairs * (options.AssumedPastTaskBytes + (2 * planBytes) + PerPairFramingBytes));
        // Refinement is only for agents strictly cheaper than the provisional winner, so never for the dearest.
        var dearest = agents.OrderByDescending(MeanPrice).ThenBy(a => a.Name, StringComparer.Ordinal).FirstOrDefault();

        long total = 0;
        foreach (var agent in agents)
        {
            var plan = Math.Min(options.PlanMaxTokens, agent.MaxOutputTokens);
            // A jury call asks for what its verdict format needs on the plans it quotes (JuryAnswer.MaxTokens).
            var verdict = Math.Min(JuryAnswer.MaxTokens(n, options.JuryMaxTokens), agent.MaxOutputTokens);
            total = checked(total + Call(agent, bidPrompt, plan) + Call(agent, juryPrompt, verdict));
            if (refinement && n > 1)
            {
                var refinedVerdict = Math.Min(JuryAnswer.MaxTokens(n - 1, options.JuryMaxTokens), agent.MaxOutputTokens);
                total = checked(total + Call(agent, refinedJuryPrompt, refinedVerdict));
                if (!ReferenceEquals(agent, dearest))
                {
                    total = checked(total + Call(agent, refinePrompt, plan));
                }
            }
        }
        return total;
    }

    private static double MeanPrice(AgentDefinition agent) => (agent.PriceInMicrosPerMTok + agent.PriceOutMicrosPerMTok) / 2.0;

    /// <summary>One single-message call, with the step's per-message template overhead.</summary>
    private static long Call(AgentDefinition agent, long promptBytes, int maxTokens) =>
        StepCosts.WorstCase(agent, (int)Math.Min(int.MaxValue, promptBytes + (2 * StepCosts.PerMessageOverheadTokens)), maxTokens);

    private static long Bytes(string text) => Encoding.UTF8.GetByteCount(text);
}
