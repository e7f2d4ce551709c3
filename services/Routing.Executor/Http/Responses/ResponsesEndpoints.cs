using System.Text.Json.Nodes;
using Routing.Contracts.Wire;
using Routing.Executor.Pipeline;
using Routing.Executor.Tenancy;

namespace Routing.Executor.Http.Responses;

/// <summary>
/// OpenAI's Responses API on the executor's HTTP port: <c>POST /v1/responses</c> is one routed step, translated to
/// the chat-completions step (<see cref="ResponsesRequestTranslator"/>) and answered as a <c>response</c> object or
/// its event stream; <c>GET /v1/responses/{id}</c> reads a stored one. The task headers are those of chat
/// completions; <c>previous_response_id</c> continues a response of the same task.
/// </summary>
public static class ResponsesEndpoints
{
    public static void MapResponsesEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/v1/responses", CreateAsync);
        app.MapGet("/v1/responses/{responseId}", GetAsync);
        app.MapMethods("/v1/responses", [HttpMethods.Get, HttpMethods.Put, HttpMethods.Patch, HttpMethods.Delete], (HttpContext c) =>
            new OpenAiErrorBody(405, $"{c.Request.Method} is not allowed on /v1/responses: create a response with POST.", "invalid_request_error", null, "method_not_allowed").WriteAsync(c.Response));
    }

    private static async Task CreateAsync(HttpContext context)
    {
        var services = context.RequestServices;
        try
        {
            var tenant = services.GetRequiredService<TenantAuthenticator>().Authenticate(context.Request.Headers.Authorization);
            var taskId = RequiredTaskId(context);
            var request = TranslatedFields.ParseObject(await OpenAiEndpoints.ReadBodyAsync(context));
            var store = services.GetRequiredService<ResponseStore>();
            var previous = await PreviousAsync(store, tenant, taskId, request);
            var translated = ResponsesRequestTranslator.Translate(request, previous?.Conversation);
            var key = context.Request.Headers[RoutingHeaders.IdempotencyKey].ToString();
            var chat = ChatCompletionRequest.Parse(System.Text.Encoding.UTF8.GetBytes(translated.ChatBody.ToJsonString()), taskId, key.Length > 0 ? key : null,
                OpenAiEndpoints.CostPreference(context), OpenAiEndpoints.DeclaredSignals(context));
            var pipeline = services.GetRequiredService<StepPipeline>();
            var createdAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            if (translated.Stream)
            {
                var sink = new ResponsesEventSink(context.Response, tenant, taskId, request, createdAt);
                var streamed = await StepStreaming.RunAsync(context, pipeline, tenant, chat.Command, sink);
                if (streamed is not null)
                {
                    await SaveAsync(store, tenant, taskId, translated, streamed, sink.Completed!);
                }
                return;
            }

            var step = await pipeline.RunAsync(tenant, chat.Command, context.RequestAborted);
            var ids = new ResponseIds(tenant, taskId, step.StepIndex);
            var response = ResponseObject.Build(ids.Response, createdAt, step.Decision.Model, request, step, ids);
            await SaveAsync(store, tenant, taskId, translated, step, response);
            OpenAiEndpoints.SetRoutingHeaders(context.Response, step);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(response.ToJsonString());
        }
        catch (Exception e) when (OpenAiEndpoints.ErrorOf(e) is { } error && !context.Response.HasStarted)
        {
            await OpenAiEndpoints.WriteErrorAsync(context, error, e);
        }
    }

    private static async Task GetAsync(HttpContext context, string responseId)
    {
        try
        {
            var tenant = context.RequestServices.GetRequiredService<TenantAuthenticator>().Authenticate(context.Request.Headers.Authorization);
            var stored = await context.RequestServices.GetRequiredService<ResponseStore>().GetAsync(tenant, responseId)
                ?? throw new OpenAiRequestException(new OpenAiErrorBody(404, $"No response with id '{responseId}' (responses are kept as long as their task).", "invalid_request_error", null, "not_found"));
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(stored.Response.ToJsonString());
        }
        catch (Exception e) when (OpenAiEndpoints.ErrorOf(e) is { } error && !context.Response.HasStarted)
        {
            await OpenAiEndpoints.WriteErrorAsync(context, error, e);
        }
    }

    private static async Task<StoredResponse?> PreviousAsync(ResponseStore store, string tenant, string taskId, JsonObject request)
    {
        if (TranslatedFields.String(request, "previous_response_id", "previous_response_id") is not { } previousId)
        {
            return null;
        }
        var previous = await store.GetAsync(tenant, previousId)
            ?? throw TranslatedFields.Bad("previous_response_id", $"Previous response with id '{previousId}' not found (responses are kept as long as their task).");
        return previous.TaskId == taskId
            ? previous
            : throw TranslatedFields.Bad("previous_response_id", $"Previous response '{previousId}' belongs to another task; a conversation continues within one task ('{RoutingHeaders.TaskId}').");
    }

    private static Task SaveAsync(ResponseStore store, string tenant, string taskId, TranslatedResponsesRequest translated, Contracts.Executor.V1.StepResponse step, JsonObject response)
    {
        var conversation = translated.Conversation.DeepClone().AsArray();
        conversation.Add(ResponseObject.AssistantMessage(step));
        return store.SaveAsync(tenant, new StoredResponse(taskId, conversation, response));
    }

    /// <summary>The task header every step names.</summary>
    internal static string RequiredTaskId(HttpContext context)
    {
        var taskId = context.Request.Headers[RoutingHeaders.TaskId].ToString();
        return taskId.Length > 0
            ? taskId
            : throw new OpenAiRequestException(OpenAiErrorBody.BadParam(RoutingHeaders.TaskId,
                $"Missing required header '{RoutingHeaders.TaskId}': open a task (POST /v1/routing/tasks) and name it on every call."));
    }
}
