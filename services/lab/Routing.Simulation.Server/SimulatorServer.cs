using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using Routing.Contracts.Wire;

namespace Routing.Simulation.Server;

/// <summary>
/// The agent simulator as an OpenAI-compatible chat-completions backend on loopback (Kestrel):
/// <c>POST /v1/chat/completions</c> (JSON or SSE with <c>stream: true</c>), <c>GET /v1/models</c>,
/// <c>GET /v1/models/{id}</c> and <c>GET /healthz</c>. Every call advances the named task's episode by one
/// step on the requested model; see docs/simulator.md for the protocol.
/// </summary>
public sealed class SimulatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SimulatorServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
        Backend = app.Services.GetRequiredService<SimulatedBackend>();
    }

    /// <summary>Base address the server listens on, e.g. <c>http://127.0.0.1:8081/</c> (clients use <c>{Address}v1</c>).</summary>
    public Uri Address { get; }

    public SimulatedBackend Backend { get; }

    /// <summary>Builds (does not start) the web application; its <see cref="SimulatedBackend"/> is a registered singleton.</summary>
    public static WebApplication Build(SimulatorServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = typeof(SimulatorServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.Port);
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.AddServerHeader = false;
        });
        builder.Services.AddSingleton(new SimulatedBackend(options.Model ?? SimulatorModel.Default, options.Seed, options.MaxTasks));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(TimeProvider.System);
        var app = builder.Build();
        app.Run(context => Dispatch(context, app.Services));
        return app;
    }

    /// <summary>Builds and starts the server; the returned object knows the bound address (useful with port 0).</summary>
    public static async Task<SimulatorServer> StartAsync(SimulatorServerOptions options, CancellationToken cancellationToken = default)
    {
        var app = Build(options);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new SimulatorServer(app, new Uri(address.EndsWith('/') ? address : address + "/"));
    }

    /// <summary>Completes when the host shuts down (Ctrl-C or <paramref name="cancellationToken"/>).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task Dispatch(HttpContext context, IServiceProvider services)
    {
        var request = context.Request;
        var backend = services.GetRequiredService<SimulatedBackend>();
        try
        {
            var path = request.Path.Value ?? "/";
            if (path.Length > 1 && path.EndsWith('/'))
            {
                path = path[..^1];
            }

            switch (path)
            {
                case "/v1/chat/completions":
                    RequireMethod(context, HttpMethods.Post);
                    await Complete(context, services, backend).ConfigureAwait(false);
                    return;
                case "/v1/models":
                    RequireMethod(context, HttpMethods.Get);
                    await WriteJson(context, 200, json => ChatResponseWriter.WriteModels(json, backend)).ConfigureAwait(false);
                    return;
                case "/healthz":
                    RequireMethod(context, HttpMethods.Get);
                    context.Response.ContentType = "text/plain";
                    await context.Response.WriteAsync("ok\n", context.RequestAborted).ConfigureAwait(false);
                    return;
            }

            if (path.StartsWith("/v1/models/", StringComparison.Ordinal))
            {
                RequireMethod(context, HttpMethods.Get);
                var id = Uri.UnescapeDataString(path["/v1/models/".Length..]);
                var index = backend.AgentIndex(id);
                if (index < 0)
                {
                    throw ModelNotFound(id);
                }

                await WriteJson(context, 200, json => ChatResponseWriter.WriteModel(json, backend, backend.Pool[index])).ConfigureAwait(false);
                return;
            }

            throw new OpenAiError(404, $"Invalid URL ({request.Method} {request.Path}).", OpenAiError.InvalidRequest, null, "unknown_url");
        }
        catch (OpenAiError error) when (!context.Response.HasStarted)
        {
            await WriteError(context, error).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            await WriteError(context, e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? TooLarge(services.GetRequiredService<SimulatorServerOptions>().MaxRequestBodyBytes)
                : new OpenAiError(e.StatusCode, e.Message, OpenAiError.InvalidRequest, null, null)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception e) when (!context.Response.HasStarted && e is not OutOfMemoryException)
        {
            await WriteError(context, new OpenAiError(500, "The simulator failed to handle the request: " + e.Message, OpenAiError.ServerError, null, null)).ConfigureAwait(false);
        }
    }

    private static async Task Complete(HttpContext context, IServiceProvider services, SimulatedBackend backend)
    {
        var options = services.GetRequiredService<SimulatorServerOptions>();
        var request = context.Request;
        if (request.ContentLength > options.MaxRequestBodyBytes)
        {
            throw TooLarge(options.MaxRequestBodyBytes);
        }

        if (request.ContentType is { } contentType
            && (!MediaTypeHeaderValue.TryParse(contentType, out var media)
                || !(media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.MediaType.Value?.EndsWith("+json", StringComparison.OrdinalIgnoreCase) == true)))
        {
            throw new OpenAiError(415, $"Unsupported Content-Type '{contentType}': send the request body as application/json.", OpenAiError.InvalidRequest, null, "unsupported_media_type");
        }

        var body = await ReadBody(request, options.MaxRequestBodyBytes, context.RequestAborted).ConfigureAwait(false);
        var headerTaskId = request.Headers.TryGetValue(RoutingHeaders.TaskId, out var values) ? values.ToString() : null;
        var chat = ChatRequest.Parse(body, headerTaskId);
        var agent = backend.AgentIndex(chat.Model);
        if (agent < 0)
        {
            throw ModelNotFound(chat.Model);
        }

        var created = services.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeSeconds();
        if (chat.SaleCall is not null)
        {
            var answer = backend.Answer(chat.TaskId, agent, chat.SaleCall, chat.PromptText, chat.MaxTokens);
            await WriteJson(context, 200, json => ChatResponseWriter.WriteSaleCompletion(json, chat, answer, backend.Seed, created)).ConfigureAwait(false);
            return;
        }

        var step = backend.Step(chat.TaskId, agent, chat.MaxTokens);
        if (!chat.Stream)
        {
            await WriteJson(context, 200, json => ChatResponseWriter.WriteCompletion(json, chat, step, backend.Seed, created)).ConfigureAwait(false);
            return;
        }

        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        var output = response.BodyWriter;
        foreach (var chunk in ChatResponseWriter.StreamChunks(chat, step, backend.Seed, created))
        {
            await output.WriteAsync(Encoding.UTF8.GetBytes("data: " + chunk + "\n\n"), context.RequestAborted).ConfigureAwait(false);
            await output.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }

        await output.WriteAsync("data: [DONE]\n\n"u8.ToArray(), context.RequestAborted).ConfigureAwait(false);
        await output.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task<ReadOnlyMemory<byte>> ReadBody(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw TooLarge(limit);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static void RequireMethod(HttpContext context, string method)
    {
        if (context.Request.Method != method)
        {
            context.Response.Headers.Allow = method;
            throw new OpenAiError(405, $"Method {context.Request.Method} is not allowed on {context.Request.Path}; use {method}.", OpenAiError.InvalidRequest, null, "method_not_allowed");
        }
    }

    private static OpenAiError ModelNotFound(string model) =>
        new(404, $"The model '{model}' does not exist or you do not have access to it. GET /v1/models lists the simulated models.", OpenAiError.InvalidRequest, "model", "model_not_found");

    private static OpenAiError TooLarge(long limit) =>
        new(413, $"The request body is larger than the simulator's limit of {limit} bytes.", OpenAiError.InvalidRequest, null, "request_too_large");

    private static Task WriteError(HttpContext context, OpenAiError error) => WriteJson(context, error.Status, error.WriteTo);

    private static async Task WriteJson(HttpContext context, int status, Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            body(json);
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = buffer.Length;
        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted).ConfigureAwait(false);
    }
}
