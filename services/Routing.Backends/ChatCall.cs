using System.Text.Json;
using System.Text.Json.Nodes;

namespace Routing.Backends;

/// <summary>One message of a chat conversation, as the OpenAI chat-completions API carries it.</summary>
/// <param name="Role">system, developer, user, assistant or tool.</param>
/// <param name="Content">The text; empty for an assistant message that only calls tools.</param>
/// <param name="Name">Optional participant name.</param>
/// <param name="ToolCallId">For role tool: the call this message answers.</param>
/// <param name="ToolCalls">For role assistant: the tool calls it made, as the raw OpenAI JSON array.</param>
public sealed record ChatMessage(string Role, string Content, string? Name = null, string? ToolCallId = null, JsonElement? ToolCalls = null);

/// <summary>
/// One model call. <see cref="MaxTokens"/> is always set: the executor reserves the worst case
/// (input tokens × input price + max tokens × output price) before calling, so a call without a cap could
/// spend beyond what was reserved.
/// </summary>
public sealed record ChatCall
{
    /// <summary>The backend's model name (the agent's <see cref="AgentDefinition.Model"/>).</summary>
    public required string Model { get; init; }

    public required IReadOnlyList<ChatMessage> Messages { get; init; }

    public required int MaxTokens { get; init; }

    public double? Temperature { get; init; }

    /// <summary>Ask for per-token log-probabilities (SALE entropy); backends that cannot return them return none.</summary>
    public bool Logprobs { get; init; }

    public int TopLogprobs { get; init; }

    /// <summary>Tool definitions as the raw OpenAI JSON array, passed through untouched.</summary>
    public JsonElement? Tools { get; init; }

    /// <summary>OpenAI <c>tool_choice</c> as the raw JSON (<c>"auto"</c>, <c>"none"</c>, <c>"required"</c> or a named function), passed through untouched.</summary>
    public JsonElement? ToolChoice { get; init; }

    /// <summary>The routing task this call belongs to; sent as the <c>X-Routing-Task-Id</c> header.</summary>
    public string? TaskId { get; init; }

    /// <summary>Extra string metadata passed through to the backend (OpenAI <c>metadata</c>).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The client's own chat-completions body, forwarded as sent (unknown fields, content parts and all) when set:
    /// <see cref="OpenAi.ChatRequestWriter"/> then writes only the fields the executor owns (<see cref="OwnedFields"/>)
    /// from this call and every other field from here. Null (gRPC steps, auctions): the body is written from the typed fields.
    /// </summary>
    public JsonObject? PassThrough { get; init; }

    /// <summary>Output-cap field the client used (<c>max_completion_tokens</c> for reasoning models); null: the backend's configured one.</summary>
    public string? MaxTokensField { get; init; }

    /// <summary>Request fields the executor sets itself: the routed model, the output bound it reserved for, and streaming (usage is always asked for).</summary>
    public static readonly IReadOnlySet<string> OwnedFields = new HashSet<string>(StringComparer.Ordinal)
    {
        "model", "max_tokens", "max_completion_tokens", "stream", "stream_options",
    };
}
