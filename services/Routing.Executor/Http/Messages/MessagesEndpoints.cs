using Routing.Contracts.Wire;
using Routing.Executor.Http.Responses;
using Routing.Executor.Pipeline;
using Routing.Executor.Tenancy;

namespace Routing.Executor.Http.Messages;

/// <summary>
/// Anthropic's Messages API on the executor's HTTP port: <c>POST /v1/messages</c> is one routed step, translated to
/// the chat-completions step (<see cref="MessagesRequestTranslator"/>) and answered as an Anthropic <c>message</c> or
/// its event stream. The key comes as <c>x-api-key</c> (Anthropic's clients) or <c>Authorization: Bearer</c>;
/// <c>anthropic-version</c> and <c>anthropic-beta</c> are accepted and change nothing. Every error under
/// <c>/v1/messages</c>, a wrong method or path included, has Anthropic's error shape.
/// </summary>
public static class MessagesEndpoints
{
    public const string ApiKeyHeader = "x-api-key";

    public static void MapMessagesEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/v1/messages", CreateAsync);
        app.MapMethods("/v1/messages", [HttpMethods.Get, HttpMethods.Put, HttpMethods.Patch, HttpMethods.Delete], (HttpContext c) =>
            AnthropicErrorBody.WriteAsync(c.Response, new OpenAiErrorBody(405, $"Method {c.Request.Method} is not allowed on /v1/messages: send messages with POST.", "invalid_request_error", null, "method_not_allowed")));
        app.Map("/v1/messages/{**rest}", (HttpContext c) =>
            AnthropicErrorBody.WriteAsync(c.Response, new OpenAiErrorBody(404, $"Not found: {c.Request.Method} {c.Request.Path} (this gateway serves POST /v1/messages).", "invalid_request_error", null, "not_found")));
    }

    private static async Task CreateAsync(HttpContext context)
    {
        var services = context.RequestServices;
        try
        {
            var tenant = Authenticate(context, services.GetRequiredService<TenantAuthenticator>());
            var taskId = ResponsesEndpoints.RequiredTaskId(context);
            var (chatBody, stream) = MessagesRequestTranslator.Translate(TranslatedFields.ParseObject(await OpenAiEndpoints.ReadBodyAsync(context)));
            var key = context.Request.Headers[RoutingHeaders.IdempotencyKey].ToString();
            var chat = ChatCompletionRequest.Parse(System.Text.Encoding.UTF8.GetBytes(chatBody.ToJsonString()), taskId, key.Length > 0 ? key : null,
                OpenAiEndpoints.CostPreference(context), OpenAiEndpoints.DeclaredSignals(context));
            var pipeline = services.GetRequiredService<StepPipeline>();
            if (stream)
            {
                await StepStreaming.RunAsync(context, pipeline, tenant, chat.Command, new MessagesEventSink(context.Response, tenant, taskId));
                return;
            }
            var step = await pipeline.RunAsync(tenant, chat.Command, context.RequestAborted);
            var message = MessageObject.Build(TranslatedFields.StepId("msg_", tenant, taskId, step.StepIndex), step.Decision.Model, step);
            OpenAiEndpoints.SetRoutingHeaders(context.Response, step);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(message.ToJsonString());
        }
        catch (Exception e) when (OpenAiEndpoints.ErrorOf(e) is { } error && !context.Response.HasStarted)
        {
            if (error.Status == StatusCodes.Status500InternalServerError)
            {
                services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(MessagesEndpoints)).LogError(e, "Unexpected failure on {Path}", context.Request.Path);
            }
            await AnthropicErrorBody.WriteAsync(context.Response, error);
        }
    }

    /// <summary>The tenant of <c>x-api-key</c>, else of the bearer token.</summary>
    private static string Authenticate(HttpContext context, TenantAuthenticator authenticator)
    {
        var apiKey = context.Request.Headers[ApiKeyHeader].ToString();
        if (apiKey.Length > 0)
        {
            return authenticator.Authenticate("Bearer " + apiKey);
        }
        if (context.Request.Headers.Authorization.Count == 0)
        {
            throw new UnauthenticatedException($"an API key is required: send '{ApiKeyHeader}: <key>' or 'Authorization: Bearer <key>'");
        }
        return authenticator.Authenticate(context.Request.Headers.Authorization);
    }
}
