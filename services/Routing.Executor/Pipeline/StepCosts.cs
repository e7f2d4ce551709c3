using System.Text;
using System.Text.Json;
using Routing.Backends;
using Routing.Backends.Tokenization;

namespace Routing.Executor.Pipeline;

/// <summary>
/// Money arithmetic of a step, in integer micro-dollars rounded up (a fraction of a micro-dollar is charged as
/// one, so rounding never under-reserves).
/// </summary>
public static class StepCosts
{
    /// <summary>Tokens a chat template adds around each message and at the end; generous for common templates.</summary>
    public const int PerMessageOverheadTokens = 8;

    private const long MicrosPerMillion = 1_000_000;

    /// <summary>
    /// An upper bound on the prompt tokens of a call without running the backend's tokenizer: byte-level BPE
    /// tokenizers never produce more tokens than UTF-8 bytes, so bytes plus template overhead bound the count
    /// from above. This over-reserves (typically 3–4×), which only ties up budget until the commit.
    /// </summary>
    public static int InputTokenBound(IReadOnlyList<ChatMessage> messages, string? toolsJson)
    {
        ArgumentNullException.ThrowIfNull(messages);
        long bytes = PerMessageOverheadTokens;
        foreach (var message in messages)
        {
            bytes += PerMessageOverheadTokens + Encoding.UTF8.GetByteCount(message.Content);
            if (message.Name is { } name)
            {
                bytes += Encoding.UTF8.GetByteCount(name);
            }
            if (message.ToolCalls is { } calls)
            {
                bytes += Encoding.UTF8.GetByteCount(calls.GetRawText());
            }
        }
        if (toolsJson is not null)
        {
            bytes += Encoding.UTF8.GetByteCount(toolsJson);
        }
        return (int)Math.Min(int.MaxValue, bytes);
    }

    /// <summary>
    /// The input bound of a call's text on <paramref name="agent"/>: with a known <see cref="AgentDefinition.Tokenizer"/>
    /// the exact count plus the chat format's framing (<see cref="ChatPromptTokens"/>), else the byte bound
    /// (<see cref="InputTokenBound"/>). Both are upper bounds on the billed prompt; the tokenizer's is 3–4× tighter.
    /// </summary>
    public static long TextTokensFor(AgentDefinition agent, IReadOnlyList<ChatMessage> messages, JsonElement? tools)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return PromptTokenizers.Get(agent.Tokenizer) is { } tokenizer
            ? ChatPromptTokens.Count(tokenizer, messages, tools)
            : InputTokenBound(messages, tools?.GetRawText());
    }

    /// <summary>
    /// The text's input bound of a step on <paramref name="agent"/>: its messages and tools (<see cref="TextTokensFor(AgentDefinition, IReadOnlyList{ChatMessage}, JsonElement?)"/>)
    /// plus the bytes of content parts that are neither text nor images. Public so that <c>routing bench reservation</c>
    /// measures the reservation the executor makes, not a copy of it.
    /// </summary>
    public static long TextTokensFor(AgentDefinition agent, StepCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return TextTokensFor(agent, command.Messages, command.Tools) + command.ContentParts.OtherBytes;
    }

    /// <summary>
    /// OpenAI's image formula for GPT-4o-class models bounded over every image size: scaled into 2048×2048 and then to
    /// a shortest side of 768, an image is at most 768×2048, 2×4 tiles of 512 px at 170 tokens each plus 85
    /// (platform.openai.com/docs/guides/images-vision, "Calculating costs").
    /// </summary>
    public const int ImageTokensHighDetail = 85 + (170 * 8);

    /// <summary>An image at <c>detail: "low"</c>: a flat 85 tokens by the same formula.</summary>
    public const int ImageTokensLowDetail = 85;

    /// <summary>Input tokens the image parts may cost on <paramref name="agent"/>: its own per-image bound, else the formula's.</summary>
    public static long ImageTokens(AgentDefinition agent, ContentPartTally parts)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(parts);
        return agent.ImageTokenBound is { } bound
            ? (long)bound * (parts.Images + parts.LowDetailImages)
            : ((long)ImageTokensHighDetail * parts.Images) + ((long)ImageTokensLowDetail * parts.LowDetailImages);
    }

    /// <summary>The input bound of a call on <paramref name="agent"/>: the text's bound plus what its images may cost.</summary>
    public static int InputTokensFor(AgentDefinition agent, int textTokens, ContentPartTally parts) =>
        (int)Math.Min(int.MaxValue, textTokens + ImageTokens(agent, parts));

    /// <summary>Worst case of one call: every input token and <paramref name="maxTokens"/> output tokens.</summary>
    public static long WorstCase(AgentDefinition agent, int inputTokens, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(agent);
        // Every input token at the dearest way it may be billed (a cache write costs more than plain input).
        return Price(inputTokens, agent.WorstInputPriceMicrosPerMTok) + Price(maxTokens, agent.PriceOutMicrosPerMTok);
    }

    /// <summary>
    /// What a call cost, from the usage the backend reported (<see cref="AgentDefinition.CostMicros"/>): input and
    /// output priced together and rounded up once, as the simulator bills a step (<c>AgentProfile.CostMicros</c>).
    /// Rounding each part up separately charged up to 1 µ$ more per step than the agent's bill, so episodes through
    /// the executor cost more than the same episodes in-process; it is still never more than <see cref="WorstCase"/>
    /// (⌈a + b⌉ ≤ ⌈a⌉ + ⌈b⌉).
    /// </summary>
    public static long Actual(AgentDefinition agent, ChatUsage usage)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return agent.CostMicros(usage);
    }

    private static long Price(long tokens, long microsPerMillion) =>
        tokens <= 0 || microsPerMillion <= 0 ? 0 : checked(tokens * microsPerMillion + MicrosPerMillion - 1) / MicrosPerMillion;
}
