using System.Text.Json.Nodes;
using Routing.Backends.Anthropic;
using Routing.Contracts.Executor.V1;
using Routing.Executor.Http.Responses;
using Routing.Executor.Pipeline;

namespace Routing.Executor.Http.Messages;

/// <summary>
/// A streamed step as Anthropic Messages events (docs.anthropic.com/en/api/messages-streaming): <c>message_start</c>,
/// <c>ping</c>, per block <c>content_block_start</c>, <c>content_block_delta</c> (<c>text_delta</c> or
/// <c>input_json_delta</c>) and <c>content_block_stop</c>, then <c>message_delta</c> with the stop reason and usage and
/// <c>message_stop</c>; a backend failure after the start is an <c>error</c> event. The input tokens are known only when
/// the backend reports usage at the end, so <c>message_start</c> says 0 and <c>message_delta</c> carries them.
/// </summary>
internal sealed class MessagesEventSink(HttpResponse http, string tenant, string taskId) : IStepEventSink
{
    private int _block = -1;
    private bool _textOpen;
    private int _openCall = -1;

    public async Task StartAsync(string model, int stepIndex)
    {
        var message = MessageObject.Build(TranslatedFields.StepId("msg_", tenant, taskId, stepIndex), model, null);
        await SendAsync("message_start", new JsonObject { ["message"] = message });
        await SendAsync("ping", []);
    }

    public async Task TextAsync(string delta)
    {
        if (!_textOpen)
        {
            await CloseAsync();
            _textOpen = true;
            _block++;
            await SendAsync("content_block_start", new JsonObject { ["index"] = _block, ["content_block"] = new JsonObject { ["type"] = "text", ["text"] = "" } });
        }
        await SendAsync("content_block_delta", new JsonObject { ["index"] = _block, ["delta"] = new JsonObject { ["type"] = "text_delta", ["text"] = delta } });
    }

    public async Task ToolCallAsync(int index, string? id, string? name, string argumentsDelta)
    {
        if (_textOpen || index != _openCall)
        {
            await CloseAsync();
            _openCall = index;
            _block++;
            await SendAsync("content_block_start", new JsonObject { ["index"] = _block, ["content_block"] = AnthropicMapping.ToolUse(id ?? "", name ?? "", new JsonObject()) });
        }
        if (argumentsDelta.Length > 0)
        {
            await SendAsync("content_block_delta", new JsonObject { ["index"] = _block, ["delta"] = new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = argumentsDelta } });
        }
    }

    public async Task FinishAsync(StepResponse step)
    {
        await CloseAsync();
        await SendAsync("message_delta", new JsonObject
        {
            ["delta"] = new JsonObject { ["stop_reason"] = MessageObject.StopReason(step.FinishReason), ["stop_sequence"] = null },
            ["usage"] = MessageObject.Usage(step.Usage.PromptTokens, step.Usage.CompletionTokens),
            ["routing"] = ResponseObject.Routing(step),
        });
        await SendAsync("message_stop", []);
    }

    public Task FailAsync(StepFailure failure) => SendAsync("error", AnthropicErrorBody.From(OpenAiErrorBody.From(failure)));

    private async Task CloseAsync()
    {
        if (_textOpen || _openCall >= 0)
        {
            _textOpen = false;
            _openCall = -1;
            await SendAsync("content_block_stop", new JsonObject { ["index"] = _block });
        }
    }

    private Task SendAsync(string type, JsonObject data)
    {
        if (!data.ContainsKey("type"))
        {
            var ordered = new JsonObject { ["type"] = type };
            foreach (var (key, value) in data.ToList())
            {
                data.Remove(key);
                ordered[key] = value;
            }
            data = ordered;
        }
        return StepStreaming.SendEventAsync(http, type, data);
    }
}
