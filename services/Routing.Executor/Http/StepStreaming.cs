using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Routing.Backends;
using Routing.Contracts.Executor.V1;
using Routing.Contracts.Wire;
using Routing.Executor.Pipeline;

namespace Routing.Executor.Http;

/// <summary>
/// What an API's event stream does with one streamed step, in the step's order: <see cref="StartAsync"/> once,
/// then text and tool-call pieces as the backend sends them, then <see cref="FinishAsync"/> with the settled step,
/// or <see cref="FailAsync"/> when the backend failed after the response had started.
/// </summary>
internal interface IStepEventSink
{
    /// <summary>The step is routed and reserved (or replayed): <paramref name="stepIndex"/> is its number in the task.</summary>
    Task StartAsync(string model, int stepIndex);

    Task TextAsync(string delta);

    /// <summary>A piece of tool call <paramref name="index"/>; <paramref name="id"/> and <paramref name="name"/> come with its first piece.</summary>
    Task ToolCallAsync(int index, string? id, string? name, string argumentsDelta);

    Task FinishAsync(StepResponse step);

    Task FailAsync(StepFailure failure);
}

/// <summary>
/// Runs one streamed step for the translated APIs (<c>/v1/responses</c>, <c>/v1/messages</c>): routes and reserves
/// before the first byte (a refusal is still an ordinary error with its status), relays the backend's chunks to the
/// API's sink, then commits the reported usage. The tool calls are collected from their deltas so that the step's
/// record (and the replay of its idempotency key) holds them; a replay is sent as one piece per text and tool call.
/// </summary>
internal static class StepStreaming
{
    /// <returns>The settled step, or null when the backend failed (the sink was told).</returns>
    public static async Task<StepResponse?> RunAsync(HttpContext context, StepPipeline pipeline, string tenant, StepCommand command, IStepEventSink sink)
    {
        var start = await pipeline.PrepareAsync(tenant, command, context.RequestAborted);
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        if (start.Replay is { } replay)
        {
            OpenAiEndpoints.SetRoutingHeaders(response, replay);
            await ReplayAsync(sink, replay);
            return replay;
        }

        var step = start.Prepared!;
        response.Headers[RoutingHeaders.Agent] = step.Agent.Name;
        var backendStarted = Stopwatch.GetTimestamp();
        var content = new StringBuilder();
        var toolCalls = new ToolCallCollector();
        ChatUsage? usage = null;
        var finishReason = "stop";
        try
        {
            await sink.StartAsync(step.Agent.Model, step.StepIndex);
            await foreach (var chunk in step.Backend.StreamAsync(step.Call, context.RequestAborted))
            {
                if (chunk.ContentDelta.Length > 0)
                {
                    content.Append(chunk.ContentDelta);
                    await sink.TextAsync(chunk.ContentDelta);
                }
                if (chunk.ToolCallDeltas is { ValueKind: JsonValueKind.Array } deltas)
                {
                    foreach (var delta in deltas.EnumerateArray())
                    {
                        var piece = toolCalls.Add(delta);
                        await sink.ToolCallAsync(piece.Index, piece.Id, piece.Name, piece.Arguments);
                    }
                }
                usage = chunk.Usage ?? usage;
                finishReason = chunk.FinishReason ?? finishReason;
            }
            if (usage is null)
            {
                throw new BackendException(BackendFailure.BadResponse, "the stream ended without reporting usage", mayHaveBeenBilled: true);
            }
        }
        catch (Exception e)
        {
            var failure = await pipeline.FailAsync(step, e, Stopwatch.GetElapsedTime(backendStarted));
            if (!context.RequestAborted.IsCancellationRequested)
            {
                await sink.FailAsync(failure);
            }
            return null;
        }

        var result = new ChatResult(content.ToString(), finishReason, usage.Value, null, toolCalls.ToJson(), step.Agent.Model);
        var answer = await pipeline.CompleteAsync(step, result, Stopwatch.GetElapsedTime(backendStarted));
        await sink.FinishAsync(answer);
        return answer;
    }

    private static async Task ReplayAsync(IStepEventSink sink, StepResponse replay)
    {
        await sink.StartAsync(replay.Decision.Model, replay.StepIndex);
        if (replay.Content.Length > 0)
        {
            await sink.TextAsync(replay.Content);
        }
        var index = 0;
        foreach (var call in ToolCalls.Parse(replay.ToolCallsJson))
        {
            await sink.ToolCallAsync(index++, call.Id, call.Name, call.Arguments);
        }
        await sink.FinishAsync(replay);
    }

    /// <summary>Writes one server-sent event: <c>event: name</c> (when named) and its JSON data.</summary>
    public static async Task SendEventAsync(HttpResponse response, string? name, JsonNode data)
    {
        var text = new StringBuilder();
        if (name is not null)
        {
            text.Append("event: ").Append(name).Append('\n');
        }
        text.Append("data: ").Append(data.ToJsonString()).Append("\n\n");
        await response.WriteAsync(text.ToString());
        await response.Body.FlushAsync();
    }
}

/// <summary>One function call of an assistant turn, in the chat-completions API's terms.</summary>
internal readonly record struct ToolCall(string Id, string Name, string Arguments);

/// <summary>Reads the chat-completions <c>tool_calls</c> JSON a step stores.</summary>
internal static class ToolCalls
{
    public static List<ToolCall> Parse(string json)
    {
        var calls = new List<ToolCall>();
        if (json.Length == 0 || JsonNode.Parse(json) is not JsonArray array)
        {
            return calls;
        }
        foreach (var node in array)
        {
            var function = node?["function"];
            calls.Add(new ToolCall(Text(node?["id"]), Text(function?["name"]), Text(function?["arguments"])));
        }
        return calls;
    }

    public static string Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : "";
}

/// <summary>
/// Assembles streamed chat-completions tool-call deltas (<c>{index, id, function: {name, arguments}}</c>, the id and
/// name on a call's first delta only) into whole calls.
/// </summary>
internal sealed class ToolCallCollector
{
    private readonly SortedDictionary<int, (string Id, string Name, StringBuilder Arguments)> _calls = [];

    public (int Index, string? Id, string? Name, string Arguments) Add(JsonElement delta)
    {
        var index = delta.TryGetProperty("index", out var i) && i.TryGetInt32(out var n) ? n : _calls.Count;
        var id = delta.TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.String ? idElement.GetString() : null;
        string? name = null;
        var arguments = "";
        if (delta.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object)
        {
            name = function.TryGetProperty("name", out var nameElement) && nameElement.ValueKind == JsonValueKind.String ? nameElement.GetString() : null;
            arguments = function.TryGetProperty("arguments", out var args) && args.ValueKind == JsonValueKind.String ? args.GetString()! : "";
        }
        if (!_calls.TryGetValue(index, out var call))
        {
            call = (id ?? "", name ?? "", new StringBuilder());
        }
        call = (call.Id.Length == 0 && id is not null ? id : call.Id, call.Name.Length == 0 && name is not null ? name : call.Name, call.Arguments.Append(arguments));
        _calls[index] = call;
        return (index, id, name, arguments);
    }

    /// <summary>The calls as a chat-completions <c>tool_calls</c> array, or null when there were none.</summary>
    public JsonElement? ToJson()
    {
        if (_calls.Count == 0)
        {
            return null;
        }
        var array = new JsonArray();
        foreach (var (_, (id, name, arguments)) in _calls)
        {
            array.Add(new JsonObject
            {
                ["id"] = id,
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = name, ["arguments"] = arguments.ToString() },
            });
        }
        using var document = JsonDocument.Parse(array.ToJsonString());
        return document.RootElement.Clone();
    }
}
