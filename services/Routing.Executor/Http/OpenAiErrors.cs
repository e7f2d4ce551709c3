using System.Text.Json;
using Routing.Contracts.Wire;
using Routing.Executor.Pipeline;

namespace Routing.Executor.Http;

/// <summary>An error in OpenAI's shape, <c>{"error":{"message","type","param","code"}}</c>, with its HTTP status.</summary>
public sealed record OpenAiErrorBody(int Status, string Message, string Type, string? Param, string? Code, long? RemainingMicros = null)
{
    /// <summary>
    /// The header OpenAI's own SDKs obey before their status rules (openai-node and openai-python <c>shouldRetry</c>):
    /// "false" where the same request cannot succeed, however often it is sent.
    /// </summary>
    public const string ShouldRetryHeader = "x-should-retry";

    /// <summary>
    /// Whether sending the same request again can help: not for a client mistake (4xx), except a step still running
    /// under the same key (409 <c>step_in_progress</c>: its answer comes later); null leaves the SDK's own rule (5xx: retry).
    /// </summary>
    public bool? ShouldRetry => Status switch
    {
        409 when Code == "step_in_progress" => true,
        408 or 429 => true,
        >= 400 and < 500 => false,
        // The agent refused this executor's call (its key, its model name): a retry meets the same refusal.
        _ => Code == "backend_rejected" ? false : null,
    };
    public static OpenAiErrorBody Unauthenticated(string message) => new(401, message, "authentication_error", null, "invalid_api_key");

    public static OpenAiErrorBody BadParam(string param, string message) => new(400, message, "invalid_request_error", param, "invalid_value");

    /// <summary>The HTTP face of each <see cref="StepFailureKind"/>.</summary>
    public static OpenAiErrorBody From(StepFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return failure.Kind switch
        {
            StepFailureKind.Invalid => new(400, failure.Message, "invalid_request_error", failure.Field, "invalid_value"),
            StepFailureKind.RequestRejected => new(400, failure.Message, "invalid_request_error", failure.Field, "rejected_by_agent"),
            // 422 as the IETF Idempotency-Key draft (§2.7) and Stripe answer a key reused with another payload.
            StepFailureKind.IdempotencyKeyReused => new(422, $"{RoutingHeaders.IdempotencyKey} reused: {failure.Message}", "invalid_request_error", RoutingHeaders.IdempotencyKey, "idempotency_key_reused"),
            StepFailureKind.NotYourTask => new(403, failure.Message, "permission_error", failure.Field, "task_not_accessible"),
            StepFailureKind.Conflict => new(409, failure.Message, "invalid_request_error", failure.Field, "conflict"),
            StepFailureKind.TaskClosed => new(409, failure.Message, "invalid_request_error", failure.Field, "task_closed"),
            StepFailureKind.BudgetExhausted => new(402, failure.Message, "insufficient_quota", null, "budget_exhausted", failure.RemainingMicros),
            StepFailureKind.InProgress => new(409, failure.Message, "invalid_request_error", failure.Field, "step_in_progress"),
            StepFailureKind.BudgetUnavailable => new(503, failure.Message, "server_error", null, "budget_unavailable"),
            StepFailureKind.BackendTimeout => new(504, failure.Message, "server_error", null, "backend_timeout"),
            StepFailureKind.BackendRejected => new(502, failure.Message, "server_error", null, "backend_rejected"),
            StepFailureKind.BackendBadResponse => new(502, failure.Message, "server_error", null, "backend_bad_response"),
            _ => new(502, failure.Message, "server_error", null, "backend_unavailable"),
        };
    }

    public void WriteTo(Utf8JsonWriter json)
    {
        ArgumentNullException.ThrowIfNull(json);
        json.WriteStartObject();
        json.WriteStartObject("error");
        json.WriteString("message", Message);
        json.WriteString("type", Type);
        json.WriteString("param", Param);
        json.WriteString("code", Code);
        if (RemainingMicros is { } remaining)
        {
            json.WriteNumber("remaining_micros", remaining);
        }
        json.WriteEndObject();
        json.WriteEndObject();
    }

    public async Task WriteAsync(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.StatusCode = Status;
        response.ContentType = "application/json";
        if (ShouldRetry is { } retry)
        {
            response.Headers[ShouldRetryHeader] = retry ? "true" : "false";
        }
        if (RemainingMicros is { } remaining)
        {
            response.Headers[RoutingHeaders.RemainingMicros] = remaining.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        await using var json = new Utf8JsonWriter(response.Body);
        WriteTo(json);
        await json.FlushAsync();
    }
}

/// <summary>Thrown while parsing an HTTP request; answered with its <see cref="OpenAiErrorBody"/>.</summary>
public sealed class OpenAiRequestException(OpenAiErrorBody error) : Exception(error?.Message)
{
    public OpenAiErrorBody Error { get; } = error ?? throw new ArgumentNullException(nameof(error));
}
