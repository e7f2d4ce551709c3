using System.Text.Json.Nodes;
using Routing.Backends.Anthropic;
using Routing.Contracts.Executor.V1;
using Routing.Executor.Http.Responses;

namespace Routing.Executor.Http.Messages;

/// <summary>
/// A settled step as an Anthropic <c>message</c> (docs.anthropic.com/en/api/messages): a <c>text</c> block, one
/// <c>tool_use</c> block per tool call (its arguments parsed into <c>input</c>), the stop reason and usage in
/// Anthropic's names, and the step's <c>routing</c> object as on chat completions.
/// </summary>
internal static class MessageObject
{
    public static JsonObject Build(string id, string model, StepResponse? step)
    {
        var message = new JsonObject
        {
            ["id"] = id,
            ["type"] = "message",
            ["role"] = "assistant",
            ["model"] = model,
            ["content"] = step is null ? new JsonArray() : Content(step),
            ["stop_reason"] = step is null ? null : StopReason(step.FinishReason),
            ["stop_sequence"] = null,
            ["usage"] = Usage(step?.Usage.PromptTokens ?? 0, step?.Usage.CompletionTokens ?? 0),
        };
        if (step is not null)
        {
            message["routing"] = ResponseObject.Routing(step);
        }
        return message;
    }

    public static JsonObject Usage(int input, int output) => new()
    {
        ["input_tokens"] = input,
        ["cache_creation_input_tokens"] = 0,
        ["cache_read_input_tokens"] = 0,
        ["output_tokens"] = output,
    };

    /// <summary>Anthropic's stop reason for a chat-completions finish reason (<see cref="AnthropicMapping.StopReason"/>).</summary>
    public static string StopReason(string finishReason) => AnthropicMapping.StopReason(finishReason);

    private static JsonArray Content(StepResponse step)
    {
        var content = new JsonArray();
        if (step.Content.Length > 0)
        {
            content.Add(new JsonObject { ["type"] = "text", ["text"] = step.Content });
        }
        foreach (var call in ToolCalls.Parse(step.ToolCallsJson))
        {
            content.Add(AnthropicMapping.ToolUse(call.Id, call.Name, AnthropicMapping.ToolInput(call.Arguments)));
        }
        return content;
    }
}
