using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Routing.Cli.Bench.Chaos;

/// <summary>One model call the recording backend received.</summary>
/// <param name="Id">Its number, in arrival order; the answer's content names it.</param>
/// <param name="Step">The step marker of the call's last user message (<see cref="RecordingOpenAiServer.StepMarker"/>).</param>
/// <param name="Answered">The whole answer was written to the caller; false: the caller went away first.</param>
public sealed record RecordedCall(long Id, string Step, long StartedTicks, long EndedTicks, bool Answered);

/// <summary>
/// The chaos benchmark's model: an OpenAI-compatible chat-completions server on loopback that answers after a delay
/// with fixed usage (so every call's cost is known) and records every call with the step it belongs to, answered or
/// abandoned by its caller. Slow on purpose: kills land while calls are in flight.
/// </summary>
public sealed class RecordingOpenAiServer : IAsyncDisposable
{
    /// <summary>What a caller puts before the step's identity in its last user message.</summary>
    public const string StepMarker = "chaos-step ";

    /// <summary>Usage every answer reports.</summary>
    public const int PromptTokens = 20;

    public const int CompletionTokens = 40;

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedCall> _calls = new();
    private readonly TimeSpan _delay;
    private long _nextId;
    private long _inFlight;

    private RecordingOpenAiServer(WebApplication app, TimeSpan delay)
    {
        _app = app;
        _delay = delay;
    }

    /// <summary>Base URL of the API (…/v1), as an agent's endpoint names it.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Calls received and not yet answered or abandoned.</summary>
    public long InFlight => Interlocked.Read(ref _inFlight);

    public IReadOnlyCollection<RecordedCall> Calls => _calls;

    public static async Task<RecordingOpenAiServer> StartAsync(TimeSpan delay)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new RecordingOpenAiServer(app, delay);
        app.MapPost("/v1/chat/completions", server.AnswerAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(address.TrimEnd('/') + "/v1");
        return server;
    }

    /// <summary>The step a call's body belongs to: the text after <see cref="StepMarker"/> in its last user message.</summary>
    public static string StepOf(JsonNode? body)
    {
        var messages = body?["messages"]?.AsArray() ?? [];
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            if (messages[i]?["role"]?.GetValue<string>() == "user" && messages[i]?["content"]?.GetValue<string>() is { } text
                && text.StartsWith(StepMarker, StringComparison.Ordinal))
            {
                return text[StepMarker.Length..];
            }
        }
        return "";
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task AnswerAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var id = Interlocked.Increment(ref _nextId);
        Interlocked.Increment(ref _inFlight);
        var step = "";
        var answered = false;
        try
        {
            step = StepOf(await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted));
            // The caller dying (kill -9 of the executor) closes the connection, which aborts the wait.
            await Task.Delay(_delay, context.RequestAborted);
            var answer = new JsonObject
            {
                ["id"] = $"chatcmpl-chaos-{id}",
                ["object"] = "chat.completion",
                ["created"] = 0,
                ["model"] = "chaos-slow",
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = $"call {id} for {step}" },
                    ["finish_reason"] = "stop",
                }),
                ["usage"] = new JsonObject { ["prompt_tokens"] = PromptTokens, ["completion_tokens"] = CompletionTokens, ["total_tokens"] = PromptTokens + CompletionTokens },
            };
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(answer.ToJsonString(), context.RequestAborted);
            await context.Response.CompleteAsync();
            answered = !context.RequestAborted.IsCancellationRequested;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or JsonException)
        {
            // Abandoned by its caller (or unreadable): recorded as not answered.
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            _calls.Enqueue(new RecordedCall(id, step, started, Stopwatch.GetTimestamp(), answered));
        }
    }

    /// <summary>The answer content's call number, or -1 when it is not one of this server's answers.</summary>
    public static long CallIdOf(string content)
    {
        var parts = content.Split(' ', 3);
        return parts.Length == 3 && parts[0] == "call" && long.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var id) ? id : -1;
    }
}
