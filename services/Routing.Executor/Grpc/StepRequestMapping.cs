using System.Globalization;
using System.Security.Cryptography;
using Google.Protobuf;
using System.Text.Json;
using Routing.Contracts.Executor.V1;
using Routing.Executor.Pipeline;
using ChatMessage = Routing.Backends.ChatMessage;

namespace Routing.Executor.Grpc;

/// <summary>A gRPC <see cref="StepRequest"/> as a <see cref="StepCommand"/>; malformed JSON fields are named.</summary>
public static class StepRequestMapping
{
    public static StepCommand ToCommand(StepRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var messages = new ChatMessage[request.Messages.Count];
        for (var i = 0; i < messages.Length; i++)
        {
            var m = request.Messages[i];
            messages[i] = new ChatMessage(
                m.Role,
                m.Content,
                m.Name.Length > 0 ? m.Name : null,
                m.ToolCallId.Length > 0 ? m.ToolCallId : null,
                ParseJson(m.ToolCallsJson, string.Create(CultureInfo.InvariantCulture, $"messages[{i}].tool_calls_json")));
        }
        var signals = request.Signals;
        return new StepCommand
        {
            TaskId = request.TaskId,
            Messages = messages,
            Tools = ParseJson(request.ToolsJson, "tools_json"),
            MaxTokens = request.MaxTokens,
            Agent = request.HasAgent ? request.Agent : null,
            IdempotencyKey = request.IdempotencyKey.Length > 0 ? request.IdempotencyKey : null,
            // Protobuf's C# serializer writes fields in number order, so the same request has the same bytes.
            Fingerprint = request.IdempotencyKey.Length > 0 ? Convert.ToHexStringLower(SHA256.HashData(request.ToByteArray())) : null,
            Temperature = request.HasTemperature ? request.Temperature : null,
            Logprobs = request.Logprobs,
            TopLogprobs = request.TopLogprobs,
            CostPreference = request.HasCostPreference ? request.CostPreference : null,
            Signals = signals is null
                ? Pipeline.StepSignals.None
                : new Pipeline.StepSignals(signals.Observation, signals.LastStepFailed, signals.ErrorObserved, signals.Retried, signals.HasSelfConfidence ? signals.SelfConfidence : null,
                    signals.HasContextTokens ? signals.ContextTokens : null,
                    signals.HasRetryCount ? (int)Math.Min(signals.RetryCount, int.MaxValue) : null),
        };
    }

    private static JsonElement? ParseJson(string json, string field)
    {
        if (json.Length == 0)
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw StepFailure.Invalid(field, "must be a JSON array");
            }
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw StepFailure.Invalid(field, $"is not valid JSON ({e.Message})");
        }
    }
}
