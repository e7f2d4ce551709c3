using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Routing.Testing;

/// <summary>
/// A real Kestrel server on loopback that speaks the OpenAI chat-completions API (<c>POST /v1/chat/completions</c>,
/// JSON or SSE) with scripted answers: each request takes the next queued <see cref="ScriptedReply"/>, or asks
/// <see cref="Responder"/>, or gets <see cref="DefaultReply"/>. Every request is recorded (headers and body) so a
/// test can check what a client sent, including how many times it retried.
/// </summary>
public sealed class ScriptedOpenAiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ScriptedReply> _script = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    private ScriptedOpenAiServer(WebApplication app)
    {
        _app = app;
    }

    /// <summary>Base URL of the API, e.g. <c>http://127.0.0.1:40123/v1</c> (what an agent's endpoint names).</summary>
    public Uri BaseAddress { get; private init; } = null!;

    /// <summary>The answer when nothing is queued and there is no <see cref="Responder"/>.</summary>
    public ScriptedReply DefaultReply { get; set; } = new();

    /// <summary>Chooses the answer from the request when nothing is queued (e.g. by model); null for <see cref="DefaultReply"/>.</summary>
    public Func<RecordedRequest, ScriptedReply>? Responder { get; set; }

    /// <summary>Requests received so far, in arrival order.</summary>
    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public static async Task<ScriptedOpenAiServer> StartAsync()
    {
        ScriptedOpenAiServer? server = null;
        var (app, address) = await LoopbackHttpApp.StartAsync(context => server!.HandleAsync(context));
        server = new ScriptedOpenAiServer(app) { BaseAddress = new Uri(address + "/v1") };
        return server;
    }

    /// <summary>Queues answers for the next requests, in order.</summary>
    public void Enqueue(params ScriptedReply[] replies)
    {
        ArgumentNullException.ThrowIfNull(replies);
        foreach (var reply in replies)
        {
            _script.Enqueue(reply);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = await LoopbackHttpApp.RecordAsync(context);
        _requests.Enqueue(request);
        if (request.Path != "/v1/chat/completions" || request.Method != HttpMethods.Post)
        {
            await WriteAsync(context, 404, "application/json", """{"error":{"message":"Unknown URL.","type":"invalid_request_error","param":null,"code":"unknown_url"}}""");
            return;
        }

        var reply = _script.TryDequeue(out var next) ? next : Responder?.Invoke(request) ?? DefaultReply;
        try
        {
            await Task.Delay(reply.Delay, context.RequestAborted);
            await ReplyAsync(context, request, reply);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client gave up (its timeout): nothing left to send.
        }
    }

    private static async Task ReplyAsync(HttpContext context, RecordedRequest request, ScriptedReply reply)
    {
        if (reply.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = retryAfter;
        }

        if (reply.RawBody is { } raw)
        {
            await WriteAsync(context, reply.Status, reply.RawContentType, raw);
            return;
        }

        if (reply.Status != 200)
        {
            var error = JsonSerializer.Serialize(new { error = new { message = reply.ErrorMessage ?? $"Scripted HTTP {reply.Status}.", type = reply.Status >= 500 ? "server_error" : "invalid_request_error", param = (string?)null, code = (string?)null } });
            await WriteAsync(context, reply.Status, "application/json", error);
            return;
        }

        using var document = JsonDocument.Parse(request.Body);
        var root = document.RootElement;
        var stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        var logprobs = root.TryGetProperty("logprobs", out var l) && l.ValueKind == JsonValueKind.True;
        var top = root.TryGetProperty("top_logprobs", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetInt32() : 0;
        var includeUsage = root.TryGetProperty("stream_options", out var o) && o.ValueKind == JsonValueKind.Object
            && o.TryGetProperty("include_usage", out var u) && u.ValueKind == JsonValueKind.True;
        var model = reply.Model ?? (root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "scripted");
        if (!stream)
        {
            await WriteAsync(context, 200, "application/json", Completion(reply, model, logprobs, top));
            return;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/event-stream";
        foreach (var chunk in StreamChunks(reply, model, logprobs, top, includeUsage))
        {
            await context.Response.WriteAsync("data: " + chunk + "\n\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(reply.ChunkDelay, context.RequestAborted);
        }

        if (reply.CutStreamBeforeDone)
        {
            context.Abort();
            return;
        }

        await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted);
    }

    private static string Completion(ScriptedReply reply, string model, bool logprobs, int top) => Json(json =>
    {
        json.WriteStartObject();
        Header(json, "chat.completion", model);
        json.WriteStartArray("choices");
        json.WriteStartObject();
        json.WriteNumber("index", 0);
        json.WriteStartObject("message");
        json.WriteString("role", "assistant");
        if (reply.ToolCallsJson is { } calls)
        {
            json.WriteNull("content");
            json.WritePropertyName("tool_calls");
            json.WriteRawValue(calls);
        }
        else
        {
            json.WriteString("content", reply.Text);
        }

        json.WriteEndObject();
        Logprobs(json, logprobs ? reply.Tokens : null, top);
        json.WriteString("finish_reason", reply.FinishReason);
        json.WriteEndObject();
        json.WriteEndArray();
        if (!reply.OmitUsage)
        {
            Usage(json, reply);
        }

        json.WriteEndObject();
    });

    private static List<string> StreamChunks(ScriptedReply reply, string model, bool logprobs, int top, bool includeUsage)
    {
        var chunks = new List<string>();
        var pieces = reply.Tokens ?? [new ScriptedToken(reply.Text, 0, [])];
        foreach (var piece in pieces)
        {
            chunks.Add(Chunk(model, includeUsage, json =>
            {
                json.WriteStartObject("delta");
                json.WriteString("content", piece.Text);
                json.WriteEndObject();
                Logprobs(json, logprobs && reply.Tokens is not null ? [piece] : null, top);
                json.WriteNull("finish_reason");
            }));
        }

        if (reply.ToolCallsJson is { } calls)
        {
            chunks.Add(Chunk(model, includeUsage, json =>
            {
                json.WriteStartObject("delta");
                json.WritePropertyName("tool_calls");
                json.WriteRawValue(calls);
                json.WriteEndObject();
                json.WriteNull("finish_reason");
            }));
        }

        chunks.Add(Chunk(model, includeUsage, json =>
        {
            json.WriteStartObject("delta");
            json.WriteEndObject();
            json.WriteString("finish_reason", reply.FinishReason);
        }));
        if (includeUsage && !reply.OmitUsage)
        {
            chunks.Add(Json(json =>
            {
                json.WriteStartObject();
                Header(json, "chat.completion.chunk", model);
                json.WriteStartArray("choices");
                json.WriteEndArray();
                Usage(json, reply);
                json.WriteEndObject();
            }));
        }

        return chunks;
    }

    private static string Chunk(string model, bool includeUsage, Action<Utf8JsonWriter> choice) => Json(json =>
    {
        json.WriteStartObject();
        Header(json, "chat.completion.chunk", model);
        json.WriteStartArray("choices");
        json.WriteStartObject();
        json.WriteNumber("index", 0);
        choice(json);
        json.WriteEndObject();
        json.WriteEndArray();
        if (includeUsage)
        {
            json.WriteNull("usage");
        }

        json.WriteEndObject();
    });

    private static void Header(Utf8JsonWriter json, string kind, string model)
    {
        json.WriteString("id", "chatcmpl-scripted");
        json.WriteString("object", kind);
        json.WriteNumber("created", 1_700_000_000);
        json.WriteString("model", model);
    }

    private static void Usage(Utf8JsonWriter json, ScriptedReply reply)
    {
        json.WriteStartObject("usage");
        json.WriteNumber("prompt_tokens", reply.PromptTokens);
        json.WriteNumber("completion_tokens", reply.CompletionTokens);
        json.WriteNumber("total_tokens", reply.PromptTokens + reply.CompletionTokens + (reply.ReasoningOutsideCompletion ? reply.ReasoningTokens : 0));
        if (reply.CachedTokens is { } cached)
        {
            json.WriteStartObject("prompt_tokens_details");
            json.WriteNumber("cached_tokens", cached);
            json.WriteEndObject();
        }

        if (reply.ReasoningTokens > 0)
        {
            json.WriteStartObject("completion_tokens_details");
            json.WriteNumber("reasoning_tokens", reply.ReasoningTokens);
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    private static void Logprobs(Utf8JsonWriter json, IReadOnlyList<ScriptedToken>? tokens, int top)
    {
        if (tokens is null)
        {
            json.WriteNull("logprobs");
            return;
        }

        json.WriteStartObject("logprobs");
        json.WriteStartArray("content");
        foreach (var token in tokens)
        {
            json.WriteStartObject();
            json.WriteString("token", token.Text);
            json.WriteNumber("logprob", token.Logprob);
            json.WriteStartArray("top_logprobs");
            foreach (var (text, logprob) in token.Top.Take(top))
            {
                json.WriteStartObject();
                json.WriteString("token", text);
                json.WriteNumber("logprob", logprob);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static string Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            write(json);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static Task WriteAsync(HttpContext context, int status, string contentType, string body) =>
        LoopbackHttpApp.WriteAsync(context, status, contentType, body);
}

/// <summary>One request as the scripted server received it.</summary>
public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body)
{
    /// <summary>The body parsed as JSON (the caller disposes it).</summary>
    public JsonDocument Json() => JsonDocument.Parse(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>One token of a scripted answer with its log-probability and alternatives (most likely first).</summary>
public sealed record ScriptedToken(string Text, double Logprob, IReadOnlyList<(string Token, double Logprob)> Top);

/// <summary>
/// What the scripted server answers to one request. The defaults are a plain successful completion; the
/// factory methods script the failures a backend client must survive.
/// </summary>
public sealed record ScriptedReply
{
    /// <summary>The assistant text (ignored when <see cref="Tokens"/> is set: then it is their concatenation).</summary>
    public string Content { get; init; } = "scripted answer";

    /// <summary>The answer as tokens with log-probabilities (returned when the request asks for logprobs; streamed one per chunk).</summary>
    public IReadOnlyList<ScriptedToken>? Tokens { get; init; }

    /// <summary>Raw JSON array of tool calls to answer with (content then null).</summary>
    public string? ToolCallsJson { get; init; }

    public string FinishReason { get; init; } = "stop";

    public int PromptTokens { get; init; } = 12;

    public int CompletionTokens { get; init; } = 3;

    /// <summary>Cached input tokens (<c>usage.prompt_tokens_details.cached_tokens</c>); left out when null.</summary>
    public int? CachedTokens { get; init; }

    /// <summary>Reasoning tokens (<c>usage.completion_tokens_details.reasoning_tokens</c>), counted inside the completion as OpenAI does.</summary>
    public int ReasoningTokens { get; init; }

    /// <summary>Count <see cref="ReasoningTokens"/> outside the completion (added to <c>total_tokens</c> on top), as some compatible servers do.</summary>
    public bool ReasoningOutsideCompletion { get; init; }

    /// <summary>The model name answered; the requested one when null.</summary>
    public string? Model { get; init; }

    /// <summary>Leave usage out (non-streaming) or skip the usage chunk (streaming).</summary>
    public bool OmitUsage { get; init; }

    /// <summary>Wait before answering (headers included).</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Wait after each stream chunk.</summary>
    public TimeSpan ChunkDelay { get; init; }

    /// <summary>Abort the connection after the last chunk instead of sending <c>[DONE]</c>.</summary>
    public bool CutStreamBeforeDone { get; init; }

    /// <summary>HTTP status; anything but 200 answers an OpenAI error object with <see cref="ErrorMessage"/>.</summary>
    public int Status { get; init; } = 200;

    public string? ErrorMessage { get; init; }

    /// <summary>Value of a <c>Retry-After</c> header (seconds or an HTTP date).</summary>
    public string? RetryAfter { get; init; }

    /// <summary>Answer exactly this body with <see cref="Status"/> (garbage JSON, a wrong shape).</summary>
    public string? RawBody { get; init; }

    /// <summary>Content type of <see cref="RawBody"/>.</summary>
    public string RawContentType { get; init; } = "application/json";

    internal string Text => Tokens is null ? Content : string.Concat(Tokens.Select(t => t.Text));

    public static ScriptedReply Error(int status, string message, string? retryAfter = null) =>
        new() { Status = status, ErrorMessage = message, RetryAfter = retryAfter };

    public static ScriptedReply Raw(string body, int status = 200, string contentType = "application/json") =>
        new() { RawBody = body, Status = status, RawContentType = contentType };

    /// <summary>An answer of the given tokens, each with a log-probability and <paramref name="alternatives"/> made-up alternatives.</summary>
    public static ScriptedReply WithLogprobs(IReadOnlyList<(string Token, double Logprob)> tokens, int alternatives = 2) => new()
    {
        Tokens = [.. tokens.Select((t, i) => new ScriptedToken(
            t.Token,
            t.Logprob,
            [(t.Token, t.Logprob), .. Enumerable.Range(1, alternatives).Select(k => (string.Create(CultureInfo.InvariantCulture, $"alt{i}_{k}"), t.Logprob - k))]))],
        CompletionTokens = tokens.Count,
    };
}
