using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Routing.Backends;
using Routing.Contracts.Executor.V1;
using Routing.Contracts.Wire;
using Routing.Executor.Pipeline;

namespace Routing.Executor.Http;

/// <summary>
/// A streamed chat completion. Routes and reserves before the first byte, so a refusal is still an ordinary JSON
/// error with its status; then relays the backend's content and tool-call deltas, holds the finish chunk until the
/// usage is committed, and ends as OpenAI does: the finish chunk, a <c>choices: []</c> usage chunk only when the
/// client asked for it (<c>stream_options.include_usage</c>; the backend is always asked), and <c>[DONE]</c>. The
/// step's <c>routing</c> object rides on the usage chunk, else on the finish chunk. A failure mid-stream is sent as an
/// <c>error</c> event (the status is already 200).
/// </summary>
public static class ChatCompletionStream
{
    public static async Task WriteAsync(HttpContext context, StepPipeline pipeline, string tenant, ChatCompletionRequest.Parsed request, Action<HttpResponse, StepResponse> setHeaders)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(setHeaders);
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var start = await pipeline.PrepareAsync(tenant, request.Command, context.RequestAborted);
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        var buffer = new ArrayBufferWriter<byte>();
        if (start.Replay is { } replay)
        {
            setHeaders(response, replay);
            await ReplayAsync(response, buffer, replay, created, request.IncludeUsage);
            return;
        }

        var step = start.Prepared!;
        var id = step.CompletionId;
        response.Headers[RoutingHeaders.Agent] = step.Agent.Name;
        var backendStarted = Stopwatch.GetTimestamp();
        var content = new StringBuilder();
        var logprobs = new List<Routing.Backends.TokenLogprob>();
        var toolCalls = new ToolCallAccumulator();
        ChatUsage? usage = null;
        var finishReason = "stop";
        var first = true;
        try
        {
            await foreach (var chunk in step.Backend.StreamAsync(step.Call, context.RequestAborted))
            {
                content.Append(chunk.ContentDelta);
                if (chunk.Logprobs is { } chunkLogprobs)
                {
                    logprobs.AddRange(chunkLogprobs);
                }
                if (chunk.ToolCallDeltas is { } deltas)
                {
                    toolCalls.Add(deltas);
                }
                if (chunk.Usage is { } reported)
                {
                    usage = reported;
                }
                if (chunk.FinishReason is { } finish)
                {
                    // Held back: it closes the stream once the step is paid for.
                    finishReason = finish;
                    continue;
                }
                if (chunk.ContentDelta.Length > 0 || chunk.ToolCallDeltas is not null || chunk.Logprobs is not null || first)
                {
                    var current = chunk;
                    var isFirst = first;
                    await SendAsync(response, buffer, json => ChatCompletionWriter.WriteChunk(json, id, created, step.Agent.Model, current, isFirst));
                    first = false;
                }
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
                await SendAsync(response, buffer, OpenAiErrorBody.From(failure).WriteTo);
            }
            return;
        }

        var result = new ChatResult(content.ToString(), finishReason, usage.Value, logprobs.Count > 0 ? logprobs : null, toolCalls.ToJson(), step.Agent.Model);
        var answer = await pipeline.CompleteAsync(step, result, Stopwatch.GetElapsedTime(backendStarted));
        await FinishAsync(response, buffer, answer, id, created, first, request.IncludeUsage);
    }

    /// <summary>The stored answer as one stream: its content and tool calls in one delta, then the finish as a live stream ends.</summary>
    private static async Task ReplayAsync(HttpResponse response, ArrayBufferWriter<byte> buffer, StepResponse replay, long created, bool includeUsage)
    {
        var id = replay.CompletionId.Length > 0 ? replay.CompletionId : "chatcmpl-" + Guid.NewGuid().ToString("N");
        var delta = new ChatChunk(replay.Content, null, null, null)
        {
            ToolCallDeltas = replay.ToolCallsJson.Length > 0 ? ChatCompletionWriter.ToolCallDeltas(replay.ToolCallsJson) : null,
        };
        await SendAsync(response, buffer, json => ChatCompletionWriter.WriteChunk(json, id, created, replay.Decision.Model, delta, first: true));
        await FinishAsync(response, buffer, replay, id, created, first: false, includeUsage);
    }

    private static async Task FinishAsync(HttpResponse response, ArrayBufferWriter<byte> buffer, StepResponse answer, string id, long created, bool first, bool includeUsage)
    {
        var finish = new ChatChunk("", null, answer.FinishReason, null);
        await SendAsync(response, buffer, json => ChatCompletionWriter.WriteChunk(json, id, created, answer.Decision.Model, finish, first, includeUsage ? null : answer));
        if (includeUsage)
        {
            await SendAsync(response, buffer, json => ChatCompletionWriter.WriteUsageChunk(json, id, created, answer));
        }
        await response.WriteAsync("data: [DONE]\n\n");
    }

    private static async Task SendAsync(HttpResponse response, ArrayBufferWriter<byte> buffer, Action<Utf8JsonWriter> write)
    {
        buffer.ResetWrittenCount();
        buffer.Write("data: "u8);
        using (var json = new Utf8JsonWriter(buffer))
        {
            write(json);
        }
        buffer.Write("\n\n"u8);
        await response.Body.WriteAsync(buffer.WrittenMemory);
        await response.Body.FlushAsync();
    }
}
