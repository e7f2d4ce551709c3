using System.Text.Json.Nodes;
using Routing.Contracts.Executor.V1;
using Routing.Executor.Pipeline;

namespace Routing.Executor.Http.Responses;

/// <summary>The ids of one response and of its output items, derived from the step so that a replay answers the same ones.</summary>
internal sealed class ResponseIds(string tenant, string taskId, int stepIndex)
{
    public string Response { get; } = TranslatedFields.StepId("resp_", tenant, taskId, stepIndex);

    public string Message { get; } = TranslatedFields.StepId("msg_", tenant, taskId, stepIndex, "msg");

    public string FunctionCall(int index) => TranslatedFields.StepId("fc_", tenant, taskId, stepIndex, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"fc{index}"));
}

/// <summary>
/// A settled step as an OpenAI Responses API <c>response</c> object (platform.openai.com/docs/api-reference/responses/object):
/// a <c>message</c> item with the text, one <c>function_call</c> item per tool call, the usage in the Responses API's
/// names, and the step's <c>routing</c> object as on chat completions.
/// </summary>
internal static class ResponseObject
{
    /// <summary>The response, <c>in_progress</c> with no output (the first streamed event), or settled from <paramref name="step"/>.</summary>
    public static JsonObject Build(string id, long createdAt, string model, JsonObject request, StepResponse? step, ResponseIds? ids)
    {
        var response = new JsonObject
        {
            ["id"] = id,
            ["object"] = "response",
            ["created_at"] = createdAt,
            ["status"] = step is null ? "in_progress" : Status(step.FinishReason),
            ["error"] = null,
            ["incomplete_details"] = step is null ? null : IncompleteDetails(step.FinishReason),
            ["instructions"] = request["instructions"]?.DeepClone(),
            ["max_output_tokens"] = request["max_output_tokens"]?.DeepClone(),
            ["model"] = model,
            ["output"] = step is null ? new JsonArray() : Output(step, ids!, "completed"),
            ["parallel_tool_calls"] = request["parallel_tool_calls"]?.DeepClone() ?? true,
            ["previous_response_id"] = request["previous_response_id"]?.DeepClone(),
            ["temperature"] = request["temperature"]?.DeepClone(),
            ["tool_choice"] = request["tool_choice"]?.DeepClone() ?? "auto",
            ["tools"] = request["tools"]?.DeepClone() ?? new JsonArray(),
            ["top_p"] = request["top_p"]?.DeepClone(),
            ["text"] = request["text"]?.DeepClone() ?? new JsonObject { ["format"] = new JsonObject { ["type"] = "text" } },
            ["metadata"] = request["metadata"]?.DeepClone() ?? new JsonObject(),
            ["usage"] = step is null ? null : Usage(step),
        };
        if (step is not null)
        {
            response["routing"] = Routing(step);
        }
        return response;
    }

    public static JsonArray Output(StepResponse step, ResponseIds ids, string status)
    {
        var output = new JsonArray();
        if (step.Content.Length > 0)
        {
            output.Add(MessageItem(ids.Message, step.Content, status));
        }
        var calls = ToolCalls.Parse(step.ToolCallsJson);
        for (var i = 0; i < calls.Count; i++)
        {
            output.Add(FunctionCallItem(ids.FunctionCall(i), calls[i].Id, calls[i].Name, calls[i].Arguments, status));
        }
        return output;
    }

    public static JsonObject MessageItem(string id, string text, string status) => new()
    {
        ["id"] = id,
        ["type"] = "message",
        ["status"] = status,
        ["role"] = "assistant",
        ["content"] = text.Length == 0 && status == "in_progress" ? new JsonArray() : new JsonArray(OutputText(text)),
    };

    public static JsonObject OutputText(string text) => new() { ["type"] = "output_text", ["text"] = text, ["annotations"] = new JsonArray(), ["logprobs"] = new JsonArray() };

    public static JsonObject FunctionCallItem(string id, string callId, string name, string arguments, string status) => new()
    {
        ["id"] = id,
        ["type"] = "function_call",
        ["status"] = status,
        ["arguments"] = arguments,
        ["call_id"] = callId,
        ["name"] = name,
    };

    /// <summary>The step's answer as the assistant chat message a follow-up's conversation continues from.</summary>
    public static JsonObject AssistantMessage(StepResponse step)
    {
        var message = new JsonObject { ["role"] = "assistant", ["content"] = step.Content };
        var calls = ToolCalls.Parse(step.ToolCallsJson);
        if (calls.Count > 0)
        {
            var array = new JsonArray();
            foreach (var call in calls)
            {
                array.Add(TranslatedFields.FunctionCall(call.Id, call.Name, call.Arguments));
            }
            message["tool_calls"] = array;
            if (step.Content.Length == 0)
            {
                message["content"] = null;
            }
        }
        return message;
    }

    private static string Status(string finishReason) => finishReason is "length" or "content_filter" ? "incomplete" : "completed";

    private static JsonObject? IncompleteDetails(string finishReason) => finishReason switch
    {
        "length" => new JsonObject { ["reason"] = "max_output_tokens" },
        "content_filter" => new JsonObject { ["reason"] = "content_filter" },
        _ => null,
    };

    private static JsonObject Usage(StepResponse step) => new()
    {
        ["input_tokens"] = step.Usage.PromptTokens,
        ["input_tokens_details"] = new JsonObject { ["cached_tokens"] = 0 },
        ["output_tokens"] = step.Usage.CompletionTokens,
        ["output_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 0 },
        ["total_tokens"] = step.Usage.PromptTokens + step.Usage.CompletionTokens,
    };

    /// <summary>The step's routing and cost, as chat completions carry them.</summary>
    public static JsonObject Routing(StepResponse step) => new()
    {
        ["agent"] = step.Decision.Agent,
        ["reason"] = StepPipeline.ReasonLabel(step.Decision.Reason),
        ["policy_version"] = step.Decision.PolicyVersion,
        ["step_index"] = step.StepIndex,
        ["cost_micros"] = step.CostMicros,
        ["reserved_micros"] = step.ReservedMicros,
        ["remaining_micros"] = step.Budget.RemainingMicros,
        ["replayed"] = step.Replayed,
    };
}
