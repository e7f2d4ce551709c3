using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Routing.Contracts.Executor.V1;
using Routing.Contracts.Wire;
using Routing.Executor.Pipeline;
using Routing.Executor.Tasks;
using Routing.Executor.Tenancy;
using StackExchange.Redis;

namespace Routing.Executor.Http;

/// <summary>
/// The OpenAI-compatible HTTP/1 endpoint (<c>POST /v1/chat/completions</c>, streamed or not, <c>GET /v1/models</c>)
/// and the task calls an OpenAI-only client needs around it (<c>/v1/routing/tasks…</c>, proto3 JSON bodies).
/// </summary>
public static class OpenAiEndpoints
{
    private static readonly JsonFormatter TaskJson = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true).WithFormatDefaultValues(true));
    private static readonly JsonParser TaskParser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));

    public static void MapOpenAiEndpoints(this WebApplication app, HttpListenerEndpoint http)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(http);
        var unmatched = app.Services.GetRequiredService<UnmatchedRouteErrors>();
        // Outermost on the HTTP port, so the duration and status include the unmatched-route answers below.
        app.Use((context, next) => context.Connection.LocalPort == http.Port
            ? HttpRequestMetrics.InvokeAsync(context, () => next(context))
            : next(context));
        app.Use((context, next) => unmatched.InvokeAsync(context, () => next(context)));
        // The OpenAI paths answer only on the HTTP port, as gRPC answers only on its own.
        app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/v1") && context.Connection.LocalPort != http.Port)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }
            return next(context);
        });
        app.MapPost("/v1/chat/completions", ChatCompletionsAsync);
        app.MapGet("/v1/models", ModelsAsync);
        app.MapGet("/v1/models/{id}", (HttpContext c, string id) => ModelAsync(c, id));
        app.MapPost("/v1/routing/tasks", (HttpContext c) => TaskCallAsync(c, async (ops, tenant, body) =>
            await ops.OpenAsync(tenant, Parse(OpenTaskRequest.Parser, body), c.RequestAborted)));
        app.MapGet("/v1/routing/tasks/{taskId}", (HttpContext c, string taskId) => TaskCallAsync(c, async (ops, tenant, _) =>
            await ops.GetAsync(tenant, new GetTaskRequest { TaskId = taskId }, c.RequestAborted)));
        app.MapPost("/v1/routing/tasks/{taskId}/complete", (HttpContext c, string taskId) => TaskCallAsync(c, async (ops, tenant, body) =>
        {
            var outcome = Parse(Outcome.Parser, body);
            return await ops.CompleteAsync(tenant, new CompleteTaskRequest { TaskId = taskId, Outcome = outcome }, c.RequestAborted);
        }));
    }

    private static async Task ChatCompletionsAsync(HttpContext context)
    {
        var services = context.RequestServices;
        try
        {
            var tenant = services.GetRequiredService<TenantAuthenticator>().Authenticate(context.Request.Headers.Authorization);
            var header = context.Request.Headers[RoutingHeaders.IdempotencyKey].ToString();
            var key = header.Length > 0 ? header : null;
            var parsed = ChatCompletionRequest.Parse(await ReadBodyAsync(context), "", key, CostPreference(context), DeclaredSignals(context));
            var (taskId, openIfMissing) = TaskOnFirstSight.Resolve(context, tenant, services.GetRequiredService<TenantDirectory>().SettingsOf(tenant), key, parsed.Command.Messages);
            var request = parsed with { Command = parsed.Command with { TaskId = taskId, OpenIfMissing = openIfMissing } };
            var pipeline = services.GetRequiredService<StepPipeline>();
            if (request.Stream)
            {
                await ChatCompletionStream.WriteAsync(context, pipeline, tenant, request, SetRoutingHeaders);
                return;
            }
            var step = await pipeline.RunAsync(tenant, request.Command, context.RequestAborted);
            SetRoutingHeaders(context.Response, step);
            context.Response.ContentType = "application/json";
            await using var json = new Utf8JsonWriter(context.Response.Body);
            var id = step.CompletionId.Length > 0 ? step.CompletionId : "chatcmpl-" + Guid.NewGuid().ToString("N");
            ChatCompletionWriter.WriteCompletion(json, id, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), step);
            await json.FlushAsync();
        }
        catch (Exception e) when (ErrorOf(e) is { } error && !context.Response.HasStarted)
        {
            await WriteErrorAsync(context, error, e);
        }
    }

    private static async Task ModelsAsync(HttpContext context)
    {
        try
        {
            context.RequestServices.GetRequiredService<TenantAuthenticator>().Authenticate(context.Request.Headers.Authorization);
            var catalog = context.RequestServices.GetRequiredService<StepPipeline>().Catalog;
            context.Response.ContentType = "application/json";
            await using var json = new Utf8JsonWriter(context.Response.Body);
            json.WriteStartObject();
            json.WriteString("object", "list");
            json.WriteStartArray("data");
            foreach (var name in new[] { RoutingHeaders.RoutedModel }.Concat(catalog.Ordered.Select(a => a.Name)))
            {
                WriteModel(json, name);
            }
            json.WriteEndArray();
            json.WriteEndObject();
            await json.FlushAsync();
        }
        catch (Exception e) when (ErrorOf(e) is { } error && !context.Response.HasStarted)
        {
            await WriteErrorAsync(context, error, e);
        }
    }

    /// <summary>One model of <c>GET /v1/models</c>: <c>auto</c> or an agent of the pool; another id is a 404 as OpenAI answers it.</summary>
    private static async Task ModelAsync(HttpContext context, string id)
    {
        try
        {
            context.RequestServices.GetRequiredService<TenantAuthenticator>().Authenticate(context.Request.Headers.Authorization);
            var catalog = context.RequestServices.GetRequiredService<StepPipeline>().Catalog;
            if (id != RoutingHeaders.RoutedModel && catalog.Find(id) is null)
            {
                throw new OpenAiRequestException(new OpenAiErrorBody(404, $"The model '{id}' does not exist: this executor serves '{RoutingHeaders.RoutedModel}' (routed) and its agents (GET /v1/models).",
                    "invalid_request_error", "model", "model_not_found"));
            }
            context.Response.ContentType = "application/json";
            await using var json = new Utf8JsonWriter(context.Response.Body);
            WriteModel(json, id);
            await json.FlushAsync();
        }
        catch (Exception e) when (ErrorOf(e) is { } error && !context.Response.HasStarted)
        {
            await WriteErrorAsync(context, error, e);
        }
    }

    private static void WriteModel(Utf8JsonWriter json, string id)
    {
        json.WriteStartObject();
        json.WriteString("id", id);
        json.WriteString("object", "model");
        json.WriteNumber("created", 0);
        json.WriteString("owned_by", "routing");
        json.WriteEndObject();
    }

    private static async Task TaskCallAsync(HttpContext context, Func<TaskOperations, string, string, Task<TaskInfo>> call)
    {
        try
        {
            var tenant = context.RequestServices.GetRequiredService<TenantAuthenticator>().Authenticate(context.Request.Headers.Authorization);
            var body = HttpMethods.IsPost(context.Request.Method) ? Encoding.UTF8.GetString((await ReadBodyAsync(context)).Span) : "";
            var info = await call(context.RequestServices.GetRequiredService<TaskOperations>(), tenant, body);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(TaskJson.Format(info));
        }
        catch (Exception e) when (ErrorOf(e) is { } error && !context.Response.HasStarted)
        {
            await WriteErrorAsync(context, error, e);
        }
    }

    private static T Parse<T>(MessageParser<T> parser, string body)
        where T : IMessage<T>, new()
    {
        try
        {
            return TaskParser.Parse<T>(body.Length == 0 ? "{}" : body);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException or FormatException)
        {
            _ = parser;
            throw new OpenAiRequestException(new OpenAiErrorBody(400, $"The request body is not a valid {typeof(T).Name} in proto3 JSON: {e.Message}", "invalid_request_error", null, "invalid_json"));
        }
    }

    internal static OpenAiErrorBody? ErrorOf(Exception e) => e switch
    {
        UnauthenticatedException u => OpenAiErrorBody.Unauthenticated(u.Message),
        OpenAiRequestException r => r.Error,
        StepFailure f => OpenAiErrorBody.From(f),
        RedisException r when Routing.ServiceDefaults.Grpc.StorageErrorInterceptor.IsUnavailable(r) =>
            new OpenAiErrorBody(503, $"the executor's Redis is unreachable; nothing was spent, retry ({r.Message})", "server_error", null, "state_unavailable"),
        OperationCanceledException => null,
        // Anything else is a bug; still answer in OpenAI's shape so that clients parse it.
        _ => new OpenAiErrorBody(500, $"internal error ({e.GetType().Name})", "server_error", null, "internal_error"),
    };

    internal static Task WriteErrorAsync(HttpContext context, OpenAiErrorBody error, Exception exception)
    {
        if (error.Status == StatusCodes.Status500InternalServerError)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OpenAiEndpoints))
                .LogError(exception, "Unexpected failure on {Path}", context.Request.Path);
        }
        return error.WriteAsync(context.Response);
    }

    internal static double? CostPreference(HttpContext context)
    {
        var value = context.Request.Headers[RoutingHeaders.CostPreference].ToString();
        if (value.Length == 0)
        {
            return null;
        }
        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var lambda)
            ? lambda
            : throw new OpenAiRequestException(OpenAiErrorBody.BadParam(RoutingHeaders.CostPreference, $"Header '{RoutingHeaders.CostPreference}' must be a number ≥ 0 (got '{value}')."));
    }

    /// <summary>What an HTTP caller may declare about its context and last tool call, as gRPC's <c>signals</c> carry it.</summary>
    internal static Pipeline.StepSignals? DeclaredSignals(HttpContext context)
    {
        var contextTokens = DeclaredCount(context, RoutingHeaders.ContextTokens, StepPipeline.MaxContextTokens);
        var retries = DeclaredCount(context, RoutingHeaders.RetryCount, int.MaxValue);
        return contextTokens is null && retries is null
            ? null
            : new Pipeline.StepSignals(Retried: retries > 0, ContextTokens: contextTokens, RetryCount: retries is { } r ? (int)r : null);
    }

    private static long? DeclaredCount(HttpContext context, string header, long max)
    {
        var value = context.Request.Headers[header].ToString();
        if (value.Length == 0)
        {
            return null;
        }
        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count <= max
            ? count
            : throw new OpenAiRequestException(OpenAiErrorBody.BadParam(header, string.Create(CultureInfo.InvariantCulture, $"Header '{header}' must be a whole number from 0 to {max} (got '{value}').")));
    }

    internal static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    internal static void SetRoutingHeaders(HttpResponse response, StepResponse step)
    {
        if (step.Replayed)
        {
            response.Headers[RoutingHeaders.Replay] = "true";
        }
        response.Headers[RoutingHeaders.Agent] = step.Decision.Agent;
        response.Headers[RoutingHeaders.CostMicros] = step.CostMicros.ToString(CultureInfo.InvariantCulture);
        response.Headers[RoutingHeaders.RemainingMicros] = step.Budget.RemainingMicros.ToString(CultureInfo.InvariantCulture);
    }
}
