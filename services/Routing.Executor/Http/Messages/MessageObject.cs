using System.Text.Json.Nodes;
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

    /// <summary>Anthropic's stop reason for a chat-completions finish reason.</summary>
    public static string StopReason(string finishReason) => finishReason switch
    {
        "length" => "max_tokens",
        "tool_calls" or "function_call" => "tool_use",
        "content_filter" => "refusal",
        _ => "end_turn",
    };

    public static JsonObject ToolUse(string id, string name, JsonNode input) => new() { ["type"] = "tool_use", ["id"] = id, ["name"] = name, ["input"] = input };

    /// <summary>A tool call's arguments as the <c>input</c> object; arguments that are not a JSON object are kept under <c>arguments</c> rather than lost.</summary>
    public static JsonNode Input(string arguments)
    {
        try
        {
            return JsonNode.Parse(arguments.Length == 0 ? "{}" : arguments) as JsonObject ?? new JsonObject { ["arguments"] = arguments };
        }
        catch (System.Text.Json.JsonException)
        {
            return new JsonObject { ["arguments"] = arguments };
        }
    }

    private static JsonArray Content(StepResponse step)
    {
        var content = new JsonArray();
        if (step.Content.Length > 0)
        {
            content.Add(new JsonObject { ["type"] = "text", ["text"] = step.Content });
        }
        foreach (var call in ToolCalls.Parse(step.ToolCallsJson))
        {
            content.Add(ToolUse(call.Id, call.Name, Input(call.Arguments)));
        }
        return content;
    }
}
