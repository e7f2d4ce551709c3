using System.Text.Json;

namespace Routing.Executor.Http;

/// <summary>
/// A JSON error body for every request under <c>/v1</c> that no endpoint answered (404) or that used a method the path
/// does not take (405), in the shape of the API the path belongs to, so that an SDK reports the problem instead of
/// failing to parse an empty body. The shape is picked by the longest registered path prefix; OpenAI's is the default.
/// </summary>
public sealed class UnmatchedRouteErrors
{
    private readonly List<(PathString Prefix, Func<HttpResponse, int, string, Task> Write)> _shapes = [];

    public UnmatchedRouteErrors()
    {
        // Anthropic's Messages API, whose clients parse {"type":"error","error":{"type","message"}}.
        Register("/v1/messages", WriteAnthropicAsync);
    }

    /// <summary>Answers unmatched requests under <paramref name="prefix"/> with <paramref name="write"/> (status, message); a later registration of the same prefix wins.</summary>
    public void Register(PathString prefix, Func<HttpResponse, int, string, Task> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        _shapes.RemoveAll(s => s.Prefix == prefix);
        _shapes.Add((prefix, write));
    }

    /// <summary>The middleware: after the endpoints ran, fill an empty 404 or 405 under <c>/v1</c>.</summary>
    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        await next();
        var response = context.Response;
        if (response.HasStarted || response.ContentLength is > 0 || response.StatusCode is not (404 or 405)
            || !context.Request.Path.StartsWithSegments("/v1"))
        {
            return;
        }
        var path = context.Request.Path;
        var message = response.StatusCode == 404
            ? $"Unknown request URL: {context.Request.Method} {path}. See GET /v1/models and docs/executor.md for the endpoints."
            : $"Method {context.Request.Method} is not allowed on {path}.";
        var write = WriteOpenAiAsync;
        var longest = -1;
        foreach (var (prefix, shape) in _shapes)
        {
            if (path.StartsWithSegments(prefix) && prefix.Value!.Length > longest)
            {
                longest = prefix.Value.Length;
                write = shape;
            }
        }
        response.Headers[OpenAiErrorBody.ShouldRetryHeader] = "false";
        await write(response, response.StatusCode, message);
    }

    private static Task WriteOpenAiAsync(HttpResponse response, int status, string message) =>
        new OpenAiErrorBody(status, message, "invalid_request_error", null, status == 404 ? "unknown_url" : "method_not_allowed").WriteAsync(response);

    private static async Task WriteAnthropicAsync(HttpResponse response, int status, string message)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(response.Body);
        json.WriteStartObject();
        json.WriteString("type", "error");
        json.WriteStartObject("error");
        json.WriteString("type", status == 404 ? "not_found_error" : "invalid_request_error");
        json.WriteString("message", message);
        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync();
    }
}
