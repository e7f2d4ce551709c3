using System.Text.Json;
using Routing.Backends;
using Routing.Contracts.Executor.V1;
using Routing.Executor.Pipeline;

namespace Routing.Executor.Http;

/// <summary>Writes chat completions and stream chunks in OpenAI's shape, plus a <c>routing</c> object.</summary>
public static class ChatCompletionWriter
{
    public static void WriteCompletion(Utf8JsonWriter json, string id, long created, StepResponse step)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(step);
        WriteHeader(json, id, "chat.completion", created, step.Decision.Model);
        json.WriteStartArray("choices");
        json.WriteStartObject();
        json.WriteNumber("index", 0);
        json.WriteStartObject("message");
        json.WriteString("role", "assistant");
        if (step.Content.Length == 0 && step.ToolCallsJson.Length > 0)
        {
            // OpenAI's shape for a message that only calls tools.
            json.WriteNull("content");
        }
        else
        {
            json.WriteString("content", step.Content);
        }
        if (step.ToolCallsJson.Length > 0)
        {
            json.WritePropertyName("tool_calls");
            json.WriteRawValue(step.ToolCallsJson);
        }
        json.WriteEndObject();
        WriteLogprobs(json, step.Logprobs.Select(t => (t.Token, t.Logprob)).ToList());
        json.WriteString("finish_reason", step.FinishReason);
        json.WriteEndObject();
        json.WriteEndArray();
        WriteUsage(json, step.Usage.PromptTokens, step.Usage.CompletionTokens);
        WriteRouting(json, step);
        json.WriteEndObject();
    }

    /// <summary>
    /// One <c>chat.completion.chunk</c>: a content or tool-call delta, or the last choice chunk (with its finish reason,
    /// and the step's <c>routing</c> object when no usage chunk follows).
    /// </summary>
    public static void WriteChunk(Utf8JsonWriter json, string id, long created, string model, ChatChunk chunk, bool first, StepResponse? routing = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(chunk);
        WriteHeader(json, id, "chat.completion.chunk", created, model);
        json.WriteStartArray("choices");
        json.WriteStartObject();
        json.WriteNumber("index", 0);
        json.WriteStartObject("delta");
        if (first)
        {
            json.WriteString("role", "assistant");
        }
        if (chunk.ContentDelta.Length > 0)
        {
            json.WriteString("content", chunk.ContentDelta);
        }
        if (chunk.ToolCallDeltas is { } toolCalls)
        {
            json.WritePropertyName("tool_calls");
            toolCalls.WriteTo(json);
        }
        json.WriteEndObject();
        WriteLogprobs(json, chunk.Logprobs?.Select(t => (t.Token, t.Logprob)).ToList() ?? []);
        json.WriteString("finish_reason", chunk.FinishReason);
        json.WriteEndObject();
        json.WriteEndArray();
        if (routing is not null)
        {
            WriteRouting(json, routing);
        }
        json.WriteEndObject();
    }

    /// <summary>
    /// Whole tool calls (a stored message's <c>tool_calls</c>) as one stream delta: each with its <c>index</c>, as a
    /// client's accumulator expects, so that a streamed replay reproduces the calls.
    /// </summary>
    public static JsonElement ToolCallDeltas(string toolCallsJson)
    {
        using var calls = JsonDocument.Parse(toolCallsJson);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            var index = 0;
            foreach (var call in calls.RootElement.EnumerateArray())
            {
                json.WriteStartObject();
                json.WriteNumber("index", index++);
                foreach (var property in call.EnumerateObject())
                {
                    if (property.Name != "index")
                    {
                        property.WriteTo(json);
                    }
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        using var deltas = JsonDocument.Parse(buffer.ToArray());
        return deltas.RootElement.Clone();
    }

    /// <summary>The last chunk: no choices, the usage (as OpenAI's <c>include_usage</c>) and the step's routing and cost.</summary>
    public static void WriteUsageChunk(Utf8JsonWriter json, string id, long created, StepResponse step)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(step);
        WriteHeader(json, id, "chat.completion.chunk", created, step.Decision.Model);
        json.WriteStartArray("choices");
        json.WriteEndArray();
        WriteUsage(json, step.Usage.PromptTokens, step.Usage.CompletionTokens);
        WriteRouting(json, step);
        json.WriteEndObject();
    }

    private static void WriteHeader(Utf8JsonWriter json, string id, string kind, long created, string model)
    {
        json.WriteStartObject();
        json.WriteString("id", id);
        json.WriteString("object", kind);
        json.WriteNumber("created", created);
        json.WriteString("model", model);
    }

    /// <summary>OpenAI's <c>logprobs</c> object, or null when there are none.</summary>
    private static void WriteLogprobs(Utf8JsonWriter json, List<(string Token, double Logprob)> tokens)
    {
        if (tokens.Count == 0)
        {
            json.WriteNull("logprobs");
            return;
        }
        json.WriteStartObject("logprobs");
        json.WriteStartArray("content");
        foreach (var (token, logprob) in tokens)
        {
            json.WriteStartObject();
            json.WriteString("token", token);
            json.WriteNumber("logprob", logprob);
            json.WriteStartArray("top_logprobs");
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteUsage(Utf8JsonWriter json, int prompt, int completion)
    {
        json.WriteStartObject("usage");
        json.WriteNumber("prompt_tokens", prompt);
        json.WriteNumber("completion_tokens", completion);
        json.WriteNumber("total_tokens", prompt + completion);
        json.WriteEndObject();
    }

    private static void WriteRouting(Utf8JsonWriter json, StepResponse step)
    {
        json.WriteStartObject("routing");
        json.WriteString("agent", step.Decision.Agent);
        json.WriteString("reason", StepPipeline.ReasonLabel(step.Decision.Reason));
        json.WriteString("policy_version", step.Decision.PolicyVersion);
        json.WriteNumber("step_index", step.StepIndex);
        json.WriteNumber("cost_micros", step.CostMicros);
        json.WriteNumber("reserved_micros", step.ReservedMicros);
        json.WriteNumber("remaining_micros", step.Budget.RemainingMicros);
        json.WriteBoolean("replayed", step.Replayed);
        json.WriteEndObject();
    }
}
