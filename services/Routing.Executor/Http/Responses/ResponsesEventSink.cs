using System.Text;
using System.Text.Json.Nodes;
using Routing.Contracts.Executor.V1;
using Routing.Executor.Pipeline;

namespace Routing.Executor.Http.Responses;

/// <summary>
/// A streamed step as Responses API events (platform.openai.com/docs/api-reference/responses-streaming):
/// <c>response.created</c>, <c>response.in_progress</c>; per output item <c>response.output_item.added</c>, its
/// deltas (<c>response.output_text.delta</c> inside a content part, or <c>response.function_call_arguments.delta</c>),
/// their <c>.done</c> events and <c>response.output_item.done</c>; then <c>response.completed</c> (or
/// <c>response.incomplete</c>) with the usage, or <c>response.failed</c>. Every event carries its <c>sequence_number</c>.
/// </summary>
internal sealed class ResponsesEventSink(HttpResponse http, string tenant, string taskId, JsonObject request, long createdAt) : IStepEventSink
{
    private readonly StringBuilder _text = new();
    private readonly StringBuilder _arguments = new();
    private ResponseIds _ids = null!;
    private string _model = "";
    private int _sequence;
    private int _outputIndex = -1;
    private bool _messageOpen;
    private int _openCall = -1;
    private string _callId = "";
    private string _callName = "";

    /// <summary>The settled response (for the store), once <see cref="FinishAsync"/> ran.</summary>
    public JsonObject? Completed { get; private set; }

    public ResponseIds Ids => _ids;

    public async Task StartAsync(string model, int stepIndex)
    {
        _ids = new ResponseIds(tenant, taskId, stepIndex);
        _model = model;
        var response = ResponseObject.Build(_ids.Response, createdAt, model, request, null, null);
        await SendAsync("response.created", new JsonObject { ["response"] = response });
        await SendAsync("response.in_progress", new JsonObject { ["response"] = response.DeepClone() });
    }

    public async Task TextAsync(string delta)
    {
        if (!_messageOpen)
        {
            await CloseCallAsync();
            _messageOpen = true;
            _outputIndex++;
            await SendAsync("response.output_item.added", new JsonObject { ["output_index"] = _outputIndex, ["item"] = ResponseObject.MessageItem(_ids.Message, "", "in_progress") });
            await SendAsync("response.content_part.added", Part(ResponseObject.OutputText("")));
        }
        _text.Append(delta);
        var data = Part(null);
        data["delta"] = delta;
        data["logprobs"] = new JsonArray();
        await SendAsync("response.output_text.delta", data);
    }

    public async Task ToolCallAsync(int index, string? id, string? name, string argumentsDelta)
    {
        await CloseMessageAsync();
        if (index != _openCall)
        {
            await CloseCallAsync();
            _openCall = index;
            _callId = id ?? "";
            _callName = name ?? "";
            _arguments.Clear();
            _outputIndex++;
            await SendAsync("response.output_item.added", new JsonObject
            {
                ["output_index"] = _outputIndex,
                ["item"] = ResponseObject.FunctionCallItem(_ids.FunctionCall(index), _callId, _callName, "", "in_progress"),
            });
        }
        if (argumentsDelta.Length > 0)
        {
            _arguments.Append(argumentsDelta);
            await SendAsync("response.function_call_arguments.delta", new JsonObject
            {
                ["item_id"] = _ids.FunctionCall(index),
                ["output_index"] = _outputIndex,
                ["delta"] = argumentsDelta,
            });
        }
    }

    public async Task FinishAsync(StepResponse step)
    {
        await CloseMessageAsync();
        await CloseCallAsync();
        Completed = ResponseObject.Build(_ids.Response, createdAt, _model, request, step, _ids);
        var name = Completed["status"]!.GetValue<string>() == "incomplete" ? "response.incomplete" : "response.completed";
        await SendAsync(name, new JsonObject { ["response"] = Completed.DeepClone() });
    }

    public async Task FailAsync(StepFailure failure)
    {
        var error = OpenAiErrorBody.From(failure);
        var response = ResponseObject.Build(_ids.Response, createdAt, _model, request, null, null);
        response["status"] = "failed";
        response["error"] = new JsonObject { ["code"] = error.Code, ["message"] = error.Message };
        await SendAsync("response.failed", new JsonObject { ["response"] = response });
    }

    private async Task CloseMessageAsync()
    {
        if (!_messageOpen)
        {
            return;
        }
        _messageOpen = false;
        var text = _text.ToString();
        var done = Part(null);
        done["text"] = text;
        done["logprobs"] = new JsonArray();
        await SendAsync("response.output_text.done", done);
        await SendAsync("response.content_part.done", Part(ResponseObject.OutputText(text)));
        await SendAsync("response.output_item.done", new JsonObject { ["output_index"] = _outputIndex, ["item"] = ResponseObject.MessageItem(_ids.Message, text, "completed") });
    }

    private async Task CloseCallAsync()
    {
        if (_openCall < 0)
        {
            return;
        }
        var id = _ids.FunctionCall(_openCall);
        _openCall = -1;
        var arguments = _arguments.ToString();
        await SendAsync("response.function_call_arguments.done", new JsonObject { ["item_id"] = id, ["output_index"] = _outputIndex, ["arguments"] = arguments });
        await SendAsync("response.output_item.done", new JsonObject
        {
            ["output_index"] = _outputIndex,
            ["item"] = ResponseObject.FunctionCallItem(id, _callId, _callName, arguments, "completed"),
        });
    }

    private JsonObject Part(JsonObject? part)
    {
        var data = new JsonObject { ["item_id"] = _ids.Message, ["output_index"] = _outputIndex, ["content_index"] = 0 };
        if (part is not null)
        {
            data["part"] = part;
        }
        return data;
    }

    private Task SendAsync(string type, JsonObject data)
    {
        var ordered = new JsonObject { ["type"] = type, ["sequence_number"] = _sequence++ };
        foreach (var (key, value) in data.ToList())
        {
            data.Remove(key);
            ordered[key] = value;
        }
        return StepStreaming.SendEventAsync(http, type, ordered);
    }
}
