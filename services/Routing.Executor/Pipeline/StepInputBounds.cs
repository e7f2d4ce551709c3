using Routing.Backends;
using Routing.Backends.Tokenization;

namespace Routing.Executor.Pipeline;

/// <summary>
/// The input tokens a step's reservation assumes on each candidate agent: the agent's tokenizer count where it has one
/// (computed once per encoding, however many agents share it), else the byte bound; never below what the caller
/// declared (<c>context_tokens</c>), what the agent's backend declares it will bill (the simulator's context) or the
/// configured floor; plus the images at the agent's image bound.
/// </summary>
internal sealed class StepInputBounds(StepCommand command, IAgentPool pool, long byteBound, long floor)
{
    private readonly Dictionary<string, long> _byTokenizer = new(StringComparer.Ordinal);

    /// <summary>The input tokens to reserve for on <paramref name="agent"/>.</summary>
    public int For(AgentDefinition agent)
    {
        var text = byteBound;
        if (PromptTokenizers.Get(agent.Tokenizer) is { } tokenizer)
        {
            if (!_byTokenizer.TryGetValue(agent.Tokenizer!, out text))
            {
                text = ChatPromptTokens.Count(tokenizer, command.Messages, command.Tools) + command.ContentParts.OtherBytes;
                _byTokenizer[agent.Tokenizer!] = text;
            }
        }

        var declared = pool.BackendFor(agent) is IDeclaredPromptTokens backend ? backend.DeclaredPromptTokens(command.TaskId, agent.Model) ?? 0 : 0;
        return StepCosts.InputTokensFor(agent, (int)Math.Min(int.MaxValue, Math.Max(floor, Math.Max(text, declared))), command.ContentParts);
    }
}
