namespace Routing.Backends;

/// <summary>
/// One agent of the pool: a model behind a backend, with its prices. Prices are integer micro-dollars per
/// million tokens, so a call's cost is exact integer arithmetic.
/// </summary>
/// <param name="Name">Unique name in the pool (what routing decisions, bids and ledgers name).</param>
/// <param name="Endpoint">Base URL of an OpenAI-compatible API (…/v1), or <c>sim:</c> for the in-process simulator.</param>
/// <param name="Model">Model name sent to the backend.</param>
/// <param name="PriceInMicrosPerMTok">Input price, µ$ per million tokens.</param>
/// <param name="PriceOutMicrosPerMTok">Output price, µ$ per million tokens.</param>
/// <param name="Tier">0 = smallest; the step router's action index orders the pool by tier.</param>
/// <param name="MaxOutputTokens">The most output tokens one call may ask for.</param>
/// <param name="CredentialRef">Where the API key comes from (an environment variable or file name), never the key itself; null for none.</param>
public sealed record AgentDefinition(
    string Name,
    Uri Endpoint,
    string Model,
    long PriceInMicrosPerMTok,
    long PriceOutMicrosPerMTok,
    int Tier,
    int MaxOutputTokens,
    string? CredentialRef)
{
    /// <summary>
    /// Most input tokens one image part may cost on this agent's model; null: OpenAI's tile formula for GPT-4o-class
    /// models (at most 1,445 tokens at detail auto or high, 85 at low). Set it for models that count images otherwise
    /// (GPT-4o mini's multiplier, patch-based GPT-4.1 mini, Claude's ~1,600 per image).
    /// </summary>
    public int? ImageTokenBound { get; init; }

    /// <summary>
    /// The tiktoken encoding of the model (<c>o200k_base</c> for GPT-4o/4.1/o-series/GPT-5, <c>cl100k_base</c> for GPT-4 and
    /// GPT-3.5), so the reservation counts the input exactly (<see cref="Tokenization.ChatPromptTokens"/>); null: the
    /// byte bound, which holds for every byte-level BPE tokenizer but over-reserves 3–4×.
    /// </summary>
    public string? Tokenizer { get; init; }

    /// <summary>
    /// The API the endpoint speaks: OpenAI chat completions (the default) or Anthropic's Messages API, which
    /// <see cref="Anthropic.AnthropicChatBackend"/> calls natively, translating the chat-shaped call there and back.
    /// </summary>
    public AgentApi Api { get; init; } = AgentApi.OpenAi;

    /// <summary>Price of input tokens read from the provider's prompt cache, µ$ per million; null: the input price.</summary>
    public long? PriceCachedInMicrosPerMTok { get; init; }

    /// <summary>Price of input tokens written to the prompt cache (Anthropic cache creation), µ$ per million; null: the input price.</summary>
    public long? PriceCacheWriteMicrosPerMTok { get; init; }

    /// <summary>
    /// The most one input token may cost, whichever way the provider bills it (plain, cache read, cache write): what a
    /// worst-case reservation prices every input token at, since the split is only known from the usage afterwards.
    /// </summary>
    public long WorstInputPriceMicrosPerMTok =>
        Math.Max(PriceInMicrosPerMTok, Math.Max(PriceCachedInMicrosPerMTok ?? 0, PriceCacheWriteMicrosPerMTok ?? 0));

    /// <summary>
    /// What a call on this agent cost, from the usage the backend reported, in µ$: plain, cache-read and cache-written
    /// input and the billed output (reasoning included, as OpenAI bills it) priced together and rounded up once, as the
    /// simulator bills a step. One formula for the executor's steps and auction calls and for the auction library's own
    /// overhead tally, so the two cannot disagree about the same call.
    /// </summary>
    public long CostMicros(ChatUsage usage)
    {
        const long microsPerMillion = 1_000_000;
        var prompt = Math.Max(0, (long)usage.PromptTokens);
        var cached = Math.Min(prompt, Math.Max(0, (long)usage.CachedPromptTokens));
        var written = Math.Min(prompt - cached, Math.Max(0, (long)usage.CacheWritePromptTokens));
        var plain = prompt - cached - written;
        var scaled = checked((plain * Math.Max(0, PriceInMicrosPerMTok))
            + (cached * Math.Max(0, PriceCachedInMicrosPerMTok ?? PriceInMicrosPerMTok))
            + (written * Math.Max(0, PriceCacheWriteMicrosPerMTok ?? PriceInMicrosPerMTok))
            + (usage.BilledOutputTokens * Math.Max(0, PriceOutMicrosPerMTok)));
        return (scaled + microsPerMillion - 1) / microsPerMillion;
    }
}

/// <summary>The wire API of an agent's endpoint (the pool file's <c>api</c>).</summary>
public enum AgentApi
{
    /// <summary><c>"openai"</c>: <c>POST {endpoint}/chat/completions</c>, Bearer key.</summary>
    OpenAi,

    /// <summary><c>"anthropic"</c>: <c>POST {endpoint}/v1/messages</c>, <c>x-api-key</c>, <c>anthropic-version</c>.</summary>
    Anthropic,
}

/// <summary>The pool as of one configuration version; immutable, replaced whole on reload.</summary>
public sealed record AgentPoolSnapshot(string Version, IReadOnlyList<AgentDefinition> Agents);

/// <summary>The configured agent pool, reloadable without restart.</summary>
public interface IAgentPool
{
    AgentPoolSnapshot Current { get; }

    /// <summary>The backend that serves an agent of the current snapshot.</summary>
    IChatBackend BackendFor(AgentDefinition agent);

    /// <summary>Raised after <see cref="Current"/> was replaced by a valid new configuration.</summary>
    event Action<AgentPoolSnapshot>? Changed;
}
