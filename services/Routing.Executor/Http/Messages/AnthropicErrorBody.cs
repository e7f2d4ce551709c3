using System.Text.Json.Nodes;
using Routing.Contracts.Wire;

namespace Routing.Executor.Http.Messages;

/// <summary>
/// An error in Anthropic's shape, <c>{"type":"error","error":{"type","message"}}</c> (docs.anthropic.com/en/api/errors),
/// from the executor's OpenAI-shaped error: the same status and message, Anthropic's error type for the status.
/// </summary>
internal static class AnthropicErrorBody
{
    public static JsonObject From(OpenAiErrorBody error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var inner = new JsonObject { ["type"] = TypeFor(error.Status), ["message"] = error.Message };
        if (error.RemainingMicros is { } remaining)
        {
            inner["remaining_micros"] = remaining;
        }
        return new JsonObject { ["type"] = "error", ["error"] = inner };
    }

    /// <summary>Anthropic's error type for an HTTP status; statuses its API does not use take the nearest kind.</summary>
    public static string TypeFor(int status) => status switch
    {
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        504 => "timeout_error",
        529 => "overloaded_error",
        >= 500 => "api_error",
        _ => "invalid_request_error",
    };

    public static async Task WriteAsync(HttpResponse response, OpenAiErrorBody error)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.StatusCode = error.Status;
        response.ContentType = "application/json";
        if (error.RemainingMicros is { } remaining)
        {
            response.Headers[RoutingHeaders.RemainingMicros] = remaining.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        await response.WriteAsync(From(error).ToJsonString());
    }
}
