using Routing.Backends;

namespace Routing.Executor.Pipeline;

/// <summary>
/// The input tokens a step's reservation assumes on each candidate agent: the text's bound on that agent
/// (<see cref="StepCosts.TextTokensFor(AgentDefinition, StepCommand)"/>, which decides between its tokenizer and the byte bound; computed once per
/// <c>tokenizer</c> setting, however many agents share it) plus the other parts' bytes; never below what the caller
/// declared (<c>context_tokens</c>), what the agent's backend declares it will bill (the simulator's context) or the
/// configured floor; plus the images at the agent's image bound.
/// </summary>
internal sealed class StepInputBounds(StepCommand command, IAgentPool pool, long floor)
{
    // Keyed by the agent's tokenizer setting ("" for none): agents with the same setting get the same text bound.
    private readonly Dictionary<string, long> _byTokenizer = new(StringComparer.Ordinal);

    /// <summary>The input tokens to reserve for on <paramref name="agent"/>.</summary>
    public int For(AgentDefinition agent)
    {
        var key = agent.Tokenizer ?? "";
        if (!_byTokenizer.TryGetValue(key, out var text))
        {
            text = StepCosts.TextTokensFor(agent, command);
            _byTokenizer[key] = text;
        }

        var declared = pool.BackendFor(agent) is IDeclaredPromptTokens backend ? backend.DeclaredPromptTokens(command.TaskId, agent.Model) ?? 0 : 0;
        return StepCosts.InputTokensFor(agent, (int)Math.Min(int.MaxValue, Math.Max(floor, Math.Max(text, declared))), command.ContentParts);
    }
}
