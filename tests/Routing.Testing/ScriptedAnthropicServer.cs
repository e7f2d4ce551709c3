using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Routing.Testing;

/// <summary>
/// A real Kestrel server on loopback that speaks Anthropic's Messages API (<c>POST /v1/messages</c>, a <c>message</c>
/// or its event stream, docs.anthropic.com/en/api/messages-streaming) with scripted answers, recording every request
/// (headers and body) as <see cref="ScriptedOpenAiServer"/> does for chat completions. A streamed answer is the same
/// message as events: <c>message_start</c> with the input usage, <c>ping</c>, per block <c>content_block_start</c>,
/// <c>content_block_delta</c> (<c>text_delta</c> pieces, <c>input_json_delta</c> pieces of a tool's input) and
/// <c>content_block_stop</c>, then <c>message_delta</c> with the stop reason and cumulative output usage, <c>message_stop</c>.
/// </summary>
public sealed class ScriptedAnthropicServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<AnthropicReply> _script = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    private ScriptedAnthropicServer(WebApplication app)
    {
        _app = app;
    }

    /// <summary>Root URL of the API, e.g. <c>http://127.0.0.1:40123</c>; requests go to <c>/v1/messages</c> under it.</summary>
    public Uri BaseAddress { get; private init; } = null!;

    public AnthropicReply DefaultReply { get; set; } = new();

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public static async Task<ScriptedAnthropicServer> StartAsync()
    {
        ScriptedAnthropicServer? server = null;
        var (app, address) = await LoopbackHttpApp.StartAsync(context => server!.HandleAsync(context));
        server = new ScriptedAnthropicServer(app) { BaseAddress = new Uri(address) };
        return server;
    }

    public void Enqueue(params AnthropicReply[] replies)
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
        if (request.Path != "/v1/messages" || request.Method != HttpMethods.Post)
        {
            await LoopbackHttpApp.WriteAsync(context, 404, "application/json", Error("not_found_error", "Not found"));
            return;
        }

        var reply = _script.TryDequeue(out var next) ? next : DefaultReply;
        if (reply.Status != 200)
        {
            await LoopbackHttpApp.WriteAsync(context, reply.Status, "application/json", Error(reply.ErrorType, reply.ErrorMessage));
            return;
        }

        var model = reply.Model ?? JsonNode.Parse(request.Body)?["model"]?.GetValue<string>() ?? "scripted";
        var stream = JsonNode.Parse(request.Body)?["stream"]?.GetValue<bool>() == true;
        if (!stream)
        {
            await LoopbackHttpApp.WriteAsync(context, 200, "application/json", Message(reply, model, reply.Content, final: true).ToJsonString());
            return;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/event-stream";
        foreach (var (name, data) in Events(reply, model))
        {
            await context.Response.WriteAsync($"event: {name}\ndata: {data.ToJsonString()}\n\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
    }

    private static IEnumerable<(string Name, JsonObject Data)> Events(AnthropicReply reply, string model)
    {
        yield return ("message_start", new JsonObject { ["type"] = "message_start", ["message"] = Message(reply, model, [], final: false) });
        yield return ("ping", new JsonObject { ["type"] = "ping" });
        for (var i = 0; i < reply.Content.Count; i++)
        {
            var block = reply.Content[i];
            var start = block.Type == "tool_use"
                ? new JsonObject { ["type"] = "tool_use", ["id"] = block.Id, ["name"] = block.Name, ["input"] = new JsonObject() }
                : new JsonObject { ["type"] = block.Type, ["text"] = "" };
            yield return ("content_block_start", new JsonObject { ["type"] = "content_block_start", ["index"] = i, ["content_block"] = start });
            foreach (var piece in block.Pieces())
            {
                var delta = block.Type == "tool_use"
                    ? new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = piece }
                    : new JsonObject { ["type"] = "text_delta", ["text"] = piece };
                yield return ("content_block_delta", new JsonObject { ["type"] = "content_block_delta", ["index"] = i, ["delta"] = delta });
            }

            yield return ("content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = i });
        }

        if (reply.StreamErrorType is { } errorType)
        {
            yield return ("error", JsonNode.Parse(Error(errorType, "Overloaded"))!.AsObject());
            yield break;
        }

        yield return ("message_delta", new JsonObject
        {
            ["type"] = "message_delta",
            ["delta"] = new JsonObject { ["stop_reason"] = reply.StopReason, ["stop_sequence"] = reply.StopSequence },
            ["usage"] = new JsonObject { ["output_tokens"] = reply.OutputTokens },
        });
        yield return ("message_stop", new JsonObject { ["type"] = "message_stop" });
    }

    private static JsonObject Message(AnthropicReply reply, string model, IReadOnlyList<AnthropicBlock> content, bool final)
    {
        var blocks = new JsonArray();
        foreach (var block in content)
        {
            blocks.Add(block.Type == "tool_use"
                ? new JsonObject { ["type"] = "tool_use", ["id"] = block.Id, ["name"] = block.Name, ["input"] = JsonNode.Parse(block.InputJson ?? "{}") }
                : new JsonObject { ["type"] = block.Type, ["text"] = block.Text });
        }

        return new JsonObject
        {
            ["id"] = "msg_scripted",
            ["type"] = "message",
            ["role"] = "assistant",
            ["model"] = model,
            ["content"] = blocks,
            ["stop_reason"] = final ? reply.StopReason : null,
            ["stop_sequence"] = final ? reply.StopSequence : null,
            ["usage"] = new JsonObject
            {
                ["input_tokens"] = reply.InputTokens,
                ["cache_creation_input_tokens"] = reply.CacheCreationInputTokens,
                ["cache_read_input_tokens"] = reply.CacheReadInputTokens,
                // The stream's start reports one output token, as Anthropic's does; message_delta has the total.
                ["output_tokens"] = final ? reply.OutputTokens : 1,
            },
        };
    }

    private static string Error(string type, string? message) =>
        JsonSerializer.Serialize(new { type = "error", error = new { type, message = message ?? $"Scripted {type}." } });
}

/// <summary>One content block of a scripted Anthropic answer: text, or a <c>tool_use</c> with its input as JSON text.</summary>
public sealed record AnthropicBlock(string Type, string? Text = null, string? Id = null, string? Name = null, string? InputJson = null)
{
    public static AnthropicBlock TextBlock(string text) => new("text", text);

    public static AnthropicBlock ToolUse(string id, string name, string inputJson) => new("tool_use", Id: id, Name: name, InputJson: inputJson);

    /// <summary>How the block streams: text in two halves, a tool's input JSON in pieces of 8 characters (as partial JSON arrives).</summary>
    internal IEnumerable<string> Pieces()
    {
        var whole = Type == "tool_use" ? InputJson ?? "{}" : Text ?? "";
        var size = Type == "tool_use" ? 8 : Math.Max(1, (whole.Length + 1) / 2);
        for (var i = 0; i < whole.Length; i += size)
        {
            yield return whole.Substring(i, Math.Min(size, whole.Length - i));
        }
    }
}

/// <summary>What the scripted Anthropic server answers to one request; the defaults are a plain text answer.</summary>
public sealed record AnthropicReply
{
    public IReadOnlyList<AnthropicBlock> Content { get; init; } = [AnthropicBlock.TextBlock("scripted answer")];

    public string StopReason { get; init; } = "end_turn";

    public string? StopSequence { get; init; }

    public int InputTokens { get; init; } = 12;

    public int OutputTokens { get; init; } = 3;

    public int CacheCreationInputTokens { get; init; }

    public int CacheReadInputTokens { get; init; }

    /// <summary>The model name answered; the requested one when null.</summary>
    public string? Model { get; init; }

    /// <summary>HTTP status; anything but 200 answers Anthropic's error shape with <see cref="ErrorType"/>.</summary>
    public int Status { get; init; } = 200;

    public string ErrorType { get; init; } = "api_error";

    public string? ErrorMessage { get; init; }

    /// <summary>In a stream: an <c>error</c> event of this type after the content blocks, in place of message_delta and message_stop.</summary>
    public string? StreamErrorType { get; init; }

    public static AnthropicReply Error(int status, string type, string message) => new() { Status = status, ErrorType = type, ErrorMessage = message };
}
