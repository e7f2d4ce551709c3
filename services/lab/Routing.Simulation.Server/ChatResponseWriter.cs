using System.Globalization;
using System.Text;
using System.Text.Json;
using Routing.Simulation.Agents;

namespace Routing.Simulation.Server;

/// <summary>Writes simulated steps as OpenAI chat-completion objects and stream chunks.</summary>
public static class ChatResponseWriter
{
    /// <summary>A step's response id: stable for (seed, task, attempt, step), so reruns answer identically.</summary>
    public static string CompletionId(ulong seed, SimulatedStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return "chatcmpl-sim" + StepHash(seed, step).ToString("x16", CultureInfo.InvariantCulture);
    }

    /// <summary>The seed of a step's log-probabilities.</summary>
    public static ulong LogprobSeed(ulong seed, SimulatedStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return CompletionText.Mix(StepHash(seed, step), 0x6c6f67);
    }

    /// <summary>The <c>chat.completion</c> object of a non-streaming call.</summary>
    public static void WriteCompletion(Utf8JsonWriter json, ChatRequest request, SimulatedStep step, ulong seed, long created)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(step);
        json.WriteStartObject();
        WriteHeader(json, "chat.completion", step, seed, created);
        json.WriteStartArray("choices");
        json.WriteStartObject();
        json.WriteNumber("index", 0);
        json.WriteStartObject("message");
        json.WriteString("role", "assistant");
        var toolCall = ToolCall(request, step);
        if (toolCall is null)
        {
            json.WriteString("content", step.Content);
        }
        else
        {
            json.WriteNull("content");
            json.WritePropertyName("tool_calls");
            json.WriteRawValue(toolCall.ToolCallsJson());
        }
        json.WriteNull("refusal");
        json.WriteEndObject();
        if (request.Logprobs && toolCall is null)
        {
            WriteLogprobs(json, Logprobs(step, seed, request.TopLogprobs));
        }
        else
        {
            json.WriteNull("logprobs");
        }

        json.WriteString("finish_reason", toolCall is null ? FinishReason(step) : "tool_calls");
        json.WriteEndObject();
        json.WriteEndArray();
        WriteUsage(json, step);
        WriteSimulation(json, step);
        json.WriteEndObject();
    }

    /// <summary>The <c>chat.completion</c> object answering a SALE auction call (bid, jury, refine).</summary>
    public static void WriteSaleCompletion(Utf8JsonWriter json, ChatRequest request, SaleAnswer answer, ulong seed, long created)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(answer);
        var hash = answer.Hash(seed);
        json.WriteStartObject();
        json.WriteString("id", "chatcmpl-simsale" + hash.ToString("x16", CultureInfo.InvariantCulture));
        json.WriteString("object", "chat.completion");
        json.WriteNumber("created", created);
        json.WriteString("model", answer.Agent.Profile.Name);
        json.WriteString("system_fingerprint", string.Create(CultureInfo.InvariantCulture, $"routing-sim-v1-seed{seed}"));
        json.WriteStartArray("choices");
        json.WriteStartObject();
        json.WriteNumber("index", 0);
        json.WriteStartObject("message");
        json.WriteString("role", "assistant");
        json.WriteString("content", answer.Content);
        json.WriteNull("refusal");
        json.WriteEndObject();
        if (request.Logprobs)
        {
            WriteLogprobs(json, answer.Logprobs(request.TopLogprobs, hash));
        }
        else
        {
            json.WriteNull("logprobs");
        }

        json.WriteString("finish_reason", answer.Truncated ? "length" : "stop");
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteStartObject("usage");
        json.WriteNumber("prompt_tokens", answer.PromptTokens);
        json.WriteNumber("completion_tokens", answer.CompletionTokens);
        json.WriteNumber("total_tokens", (long)answer.PromptTokens + answer.CompletionTokens);
        json.WriteEndObject();
        json.WriteStartObject("routing_sim");
        json.WriteString("task_id", answer.TaskId.ToString());
        json.WriteString("sale_call", answer.Kind);
        json.WriteBoolean("ended", false);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>
    /// The <c>chat.completion.chunk</c> events of a streaming call, each a JSON text for one <c>data:</c> line:
    /// the role, one chunk per token (with its log-probabilities when asked), the finish reason, and — with
    /// <c>stream_options.include_usage</c> — a last chunk with no choices and the usage.
    /// </summary>
    public static List<string> StreamChunks(ChatRequest request, SimulatedStep step, ulong seed, long created)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(step);
        var toolCall = ToolCall(request, step);
        var tokens = toolCall is null ? CompletionText.Tokenize(step.Content) : [];
        var logprobs = request.Logprobs && toolCall is null ? Logprobs(step, seed, request.TopLogprobs) : null;
        var chunks = new List<string>(tokens.Count + 3)
        {
            Chunk(request, step, seed, created, json =>
            {
                json.WriteStartObject("delta");
                json.WriteString("role", "assistant");
                json.WriteString("content", "");
                json.WriteNull("refusal");
                json.WriteEndObject();
                json.WriteNull("logprobs");
                json.WriteNull("finish_reason");
            }),
        };
        for (var t = 0; t < tokens.Count; t++)
        {
            var token = tokens[t];
            var logprob = logprobs?[t];
            chunks.Add(Chunk(request, step, seed, created, json =>
            {
                json.WriteStartObject("delta");
                json.WriteString("content", token);
                json.WriteEndObject();
                if (logprob is null)
                {
                    json.WriteNull("logprobs");
                }
                else
                {
                    WriteLogprobs(json, [logprob]);
                }

                json.WriteNull("finish_reason");
            }));
        }

        if (toolCall is not null)
        {
            chunks.Add(Chunk(request, step, seed, created, json =>
            {
                json.WriteStartObject("delta");
                json.WritePropertyName("tool_calls");
                json.WriteRawValue(toolCall.ToolCallsJson(streamed: true));
                json.WriteEndObject();
                json.WriteNull("logprobs");
                json.WriteNull("finish_reason");
            }));
        }

        chunks.Add(Chunk(request, step, seed, created, json =>
        {
            json.WriteStartObject("delta");
            json.WriteEndObject();
            json.WriteNull("logprobs");
            json.WriteString("finish_reason", toolCall is null ? FinishReason(step) : "tool_calls");
        }, last: true));
        if (request.IncludeUsageInStream)
        {
            chunks.Add(Write(json =>
            {
                json.WriteStartObject();
                WriteHeader(json, "chat.completion.chunk", step, seed, created);
                json.WriteStartArray("choices");
                json.WriteEndArray();
                WriteUsage(json, step);
                json.WriteEndObject();
            }));
        }

        return chunks;
    }

    /// <summary>The <c>list</c> of served models with prices (USD per million tokens) and pools.</summary>
    public static void WriteModels(Utf8JsonWriter json, SimulatedBackend backend)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(backend);
        json.WriteStartObject();
        json.WriteString("object", "list");
        json.WriteStartArray("data");
        for (var i = 0; i < backend.Pool.Count; i++)
        {
            WriteModel(json, backend, backend.Pool[i]);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>One <c>model</c> object.</summary>
    public static void WriteModel(Utf8JsonWriter json, SimulatedBackend backend, AgentProfile agent)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(agent);
        json.WriteStartObject();
        json.WriteString("id", agent.Name);
        json.WriteString("object", "model");
        json.WriteNumber("created", 0);
        json.WriteString("owned_by", "routing-simulator");
        json.WriteStartObject("pricing");
        json.WriteNumber("input_usd_per_mtok", agent.PriceInMicrosPerMTok / 1e6);
        json.WriteNumber("output_usd_per_mtok", agent.PriceOutMicrosPerMTok / 1e6);
        json.WriteNumber("input_micros_per_mtok", agent.PriceInMicrosPerMTok);
        json.WriteNumber("output_micros_per_mtok", agent.PriceOutMicrosPerMTok);
        json.WriteEndObject();
        json.WriteNumber("max_output_tokens", agent.MaxOutputTokens);
        json.WriteStartArray("pools");
        foreach (var pool in backend.Model.Parameters.Agents.First(a => a.Name == agent.Name).Pools)
        {
            json.WriteStringValue(pool);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>The request's tool call, named for this step, or null when the agent answers in text.</summary>
    private static SimulatedToolCall? ToolCall(ChatRequest request, SimulatedStep step) =>
        request.ToolCall is { } call ? SimulatedToolUse.WithId(call, step.TaskId, step.Observation.Step) : null;

    /// <summary>A step's <c>finish_reason</c>: <c>length</c> when the output reached the caller's or the agent's cap.</summary>
    public static string FinishReason(SimulatedStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return step.Truncated ? "length" : "stop";
    }

    /// <summary>A step's per-token log-probabilities, one per token of <see cref="CompletionText.Tokenize"/>, with <paramref name="top"/> alternatives each.</summary>
    public static List<TokenLogprob> Logprobs(SimulatedStep step, ulong seed, int top)
    {
        ArgumentNullException.ThrowIfNull(step);
        return CompletionText.Logprobs(CompletionText.Tokenize(step.Content), step.Observation.Confidence, LogprobSeed(seed, step), top);
    }

    private static string Chunk(ChatRequest request, SimulatedStep step, ulong seed, long created, Action<Utf8JsonWriter> choice, bool last = false) => Write(json =>
    {
        json.WriteStartObject();
        WriteHeader(json, "chat.completion.chunk", step, seed, created);
        json.WriteStartArray("choices");
        json.WriteStartObject();
        json.WriteNumber("index", 0);
        choice(json);
        json.WriteEndObject();
        json.WriteEndArray();
        if (request.IncludeUsageInStream)
        {
            json.WriteNull("usage");
        }

        if (last)
        {
            WriteSimulation(json, step);
        }

        json.WriteEndObject();
    });

    private static string Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            body(json);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void WriteHeader(Utf8JsonWriter json, string kind, SimulatedStep step, ulong seed, long created)
    {
        json.WriteString("id", CompletionId(seed, step));
        json.WriteString("object", kind);
        json.WriteNumber("created", created);
        json.WriteString("model", step.Agent.Name);
        json.WriteString("system_fingerprint", string.Create(CultureInfo.InvariantCulture, $"routing-sim-v1-seed{seed}"));
    }

    private static void WriteUsage(Utf8JsonWriter json, SimulatedStep step)
    {
        var o = step.Observation;
        json.WriteStartObject("usage");
        json.WriteNumber("prompt_tokens", o.InputTokens);
        json.WriteNumber("completion_tokens", step.CompletionTokens);
        json.WriteNumber("total_tokens", (long)o.InputTokens + step.CompletionTokens);
        json.WriteEndObject();
    }

    /// <summary>Non-standard <c>routing_sim</c> object: where the episode stands and what the call cost.</summary>
    private static void WriteSimulation(Utf8JsonWriter json, SimulatedStep step)
    {
        var o = step.Observation;
        json.WriteStartObject("routing_sim");
        json.WriteString("task_id", step.TaskId.ToString());
        json.WriteNumber("step", o.Step);
        json.WriteNumber("horizon", step.Task.Horizon);
        json.WriteNumber("cost_micros", step.CostMicros);
        json.WriteNumber("observation_tokens", o.ObservationTokens);
        json.WriteBoolean("ended", step.Ended);
        if (step.End is { } end)
        {
            json.WriteString("end", SimulatedBackend.Describe(end));
            json.WriteBoolean("success", end == Episodes.EpisodeEnd.Solved);
        }
        else
        {
            json.WriteNull("end");
            json.WriteNull("success");
        }

        json.WriteEndObject();
    }

    private static void WriteLogprobs(Utf8JsonWriter json, IReadOnlyList<TokenLogprob> logprobs)
    {
        json.WriteStartObject("logprobs");
        json.WriteStartArray("content");
        foreach (var entry in logprobs)
        {
            json.WriteStartObject();
            WriteToken(json, entry.Token, entry.Logprob);
            json.WriteStartArray("top_logprobs");
            foreach (var (token, logprob) in entry.Top)
            {
                json.WriteStartObject();
                WriteToken(json, token, logprob);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteNull("refusal");
        json.WriteEndObject();
    }

    private static void WriteToken(Utf8JsonWriter json, string token, double logprob)
    {
        json.WriteString("token", token);
        json.WriteNumber("logprob", CompletionText.WireLogprob(logprob));
        json.WriteStartArray("bytes");
        foreach (var b in Encoding.UTF8.GetBytes(token))
        {
            json.WriteNumberValue(b);
        }

        json.WriteEndArray();
    }

    private static ulong StepHash(ulong seed, SimulatedStep step) =>
        CompletionText.Mix(CompletionText.Mix(seed, step.Task.Seed), ((ulong)step.TaskId.Attempt << 16) | (uint)step.Observation.Step);
}
