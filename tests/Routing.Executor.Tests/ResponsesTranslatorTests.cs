using System.Text.Json.Nodes;
using Routing.Contracts.Executor.V1;
using Routing.Executor.Http;
using Routing.Executor.Http.Responses;
using Xunit;

namespace Routing.Executor.Tests;

public sealed class ResponsesTranslatorTests
{
    private static JsonObject Body(string json) => JsonNode.Parse(json)!.AsObject();

    [Fact]
    public void StringInputAndInstructionsBecomeSystemAndUserMessages()
    {
        var translated = ResponsesRequestTranslator.Translate(Body("""{"model":"auto","instructions":"be brief","input":"hi","max_output_tokens":50,"temperature":0.2}"""), null);

        Assert.Equal(
            """{"model":"auto","temperature":0.2,"max_tokens":50,"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}]}""",
            translated.ChatBody.ToJsonString().Replace("\\u0022", "\\\"", StringComparison.Ordinal));
        Assert.Equal("""[{"role":"user","content":"hi"}]""", translated.Conversation.ToJsonString().Replace("\\u0022", "\\\"", StringComparison.Ordinal));
    }

    [Fact]
    public void FunctionCallsAndOutputsBecomeAssistantToolCallsAndToolMessages()
    {
        var translated = ResponsesRequestTranslator.Translate(Body("""
            {"model":"auto","input":[
              {"role":"user","content":[{"type":"input_text","text":"weather?"},{"type":"input_image","image_url":"data:image/png;base64,AAAA","detail":"low"}]},
              {"type":"message","role":"assistant","content":[{"type":"output_text","text":"let me look"}]},
              {"type":"function_call","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Oslo\"}"},
              {"type":"function_call","call_id":"call_2","name":"get_time","arguments":"{}"},
              {"type":"function_call_output","call_id":"call_1","output":"rain"},
              {"type":"function_call_output","call_id":"call_2","output":[{"type":"input_text","text":"noon"}]}
            ],
            "tools":[{"type":"function","name":"get_weather","description":"weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}},"strict":true}],
            "tool_choice":{"type":"function","name":"get_weather"}}
            """), null);

        var messages = translated.ChatBody["messages"]!.AsArray();
        Assert.Equal(4, messages.Count);
        Assert.Equal("""[{"type":"text","text":"weather?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA","detail":"low"}}]""", messages[0]!["content"]!.ToJsonString().Replace("\\u0022", "\\\"", StringComparison.Ordinal));
        Assert.Equal(
            """{"role":"assistant","content":"let me look","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}},{"id":"call_2","type":"function","function":{"name":"get_time","arguments":"{}"}}]}""",
            messages[1]!.ToJsonString().Replace("\\u0022", "\\\"", StringComparison.Ordinal));
        Assert.Equal("""{"role":"tool","tool_call_id":"call_1","content":"rain"}""", messages[2]!.ToJsonString().Replace("\\u0022", "\\\"", StringComparison.Ordinal));
        Assert.Equal("noon", messages[3]!["content"]!.GetValue<string>());
        Assert.Equal(
            """[{"type":"function","function":{"name":"get_weather","description":"weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}},"strict":true}}]""",
            translated.ChatBody["tools"]!.ToJsonString().Replace("\\u0022", "\\\"", StringComparison.Ordinal));
        Assert.Equal("""{"type":"function","function":{"name":"get_weather"}}""", translated.ChatBody["tool_choice"]!.ToJsonString().Replace("\\u0022", "\\\"", StringComparison.Ordinal));
    }

    [Fact]
    public void PreviousTurnsArePrependedAndInstructionsAreNotCarried()
    {
        var previous = JsonNode.Parse("""[{"role":"user","content":"first"},{"role":"assistant","content":"answer"}]""")!.AsArray();

        var translated = ResponsesRequestTranslator.Translate(Body("""{"model":"auto","instructions":"new rules","input":"second","previous_response_id":"resp_1"}"""), previous);

        Assert.Equal(
            """[{"role":"system","content":"new rules"},{"role":"user","content":"first"},{"role":"assistant","content":"answer"},{"role":"user","content":"second"}]""",
            translated.ChatBody["messages"]!.ToJsonString().Replace("\\u0022", "\\\"", StringComparison.Ordinal));
        Assert.Equal(3, translated.Conversation.Count);
        Assert.Equal("resp_1", translated.PreviousResponseId);
    }

    [Fact]
    public void TextFormatAndReasoningMapToTheirChatFields()
    {
        var translated = ResponsesRequestTranslator.Translate(Body("""{"model":"auto","input":"x","text":{"format":{"type":"json_schema","name":"out","schema":{"type":"object"},"strict":true}},"reasoning":{"effort":"low"}}"""), null);

        Assert.Equal("""{"type":"json_schema","json_schema":{"name":"out","schema":{"type":"object"},"strict":true}}""", translated.ChatBody["response_format"]!.ToJsonString().Replace("\\u0022", "\\\"", StringComparison.Ordinal));
        Assert.Equal("low", translated.ChatBody["reasoning_effort"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{"input":"x"}""", "model")]
    [InlineData("""{"model":"auto"}""", "input")]
    [InlineData("""{"model":"auto","input":42}""", "input")]
    [InlineData("""{"model":"auto","input":[{"type":"item_reference","id":"x"}]}""", "input[0].type")]
    [InlineData("""{"model":"auto","input":[{"role":"robot","content":"x"}]}""", "input[0].role")]
    [InlineData("""{"model":"auto","input":[{"type":"function_call","name":"f"}]}""", "input[0].call_id")]
    [InlineData("""{"model":"auto","input":"x","tools":[{"type":"web_search"}]}""", "tools[0].type")]
    [InlineData("""{"model":"auto","input":"x","tool_choice":"sometimes"}""", "tool_choice")]
    [InlineData("""{"model":"auto","input":"x","max_output_tokens":0}""", "max_output_tokens")]
    public void BadFieldsAreNamed(string body, string field)
    {
        var error = Assert.Throws<OpenAiRequestException>(() => ResponsesRequestTranslator.Translate(Body(body), null));

        Assert.Equal(400, error.Error.Status);
        Assert.Equal(field, error.Error.Param);
    }

    [Fact]
    public void AStepWithTextAndToolCallsIsAResponseWithTheirItems()
    {
        var step = new StepResponse
        {
            Content = "checking",
            FinishReason = "tool_calls",
            ToolCallsJson = """[{"id":"call_9","type":"function","function":{"name":"lookup","arguments":"{\"q\":1}"}}]""",
            Decision = new RoutingDecision { Agent = "small", Model = "small-model" },
            Usage = new Usage { PromptTokens = 10, CompletionTokens = 4 },
            Budget = new Routing.Contracts.Common.V1.BudgetState { RemainingMicros = 99 },
        };
        var ids = new ResponseIds("acme", "t1", 0);

        var response = ResponseObject.Build(ids.Response, 1, "small-model", Body("""{"model":"auto","input":"x"}"""), step, ids);

        Assert.Equal("completed", response["status"]!.GetValue<string>());
        var output = response["output"]!.AsArray();
        Assert.Equal("checking", output[0]!["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("function_call", output[1]!["type"]!.GetValue<string>());
        Assert.Equal("call_9", output[1]!["call_id"]!.GetValue<string>());
        Assert.Equal("{\"q\":1}", output[1]!["arguments"]!.GetValue<string>());
        Assert.Equal(14, response["usage"]!["total_tokens"]!.GetValue<int>());
        Assert.Equal(ids.Response, new ResponseIds("acme", "t1", 0).Response);
        Assert.NotEqual(ids.Response, new ResponseIds("acme", "t1", 1).Response);
        Assert.Equal("""{"role":"assistant","content":"checking","tool_calls":[{"id":"call_9","type":"function","function":{"name":"lookup","arguments":"{\"q\":1}"}}]}""",
            ResponseObject.AssistantMessage(step).ToJsonString().Replace("\\u0022", "\\\"", StringComparison.Ordinal));
    }

    [Fact]
    public void ATruncatedStepIsAnIncompleteResponse()
    {
        var step = new StepResponse { Content = "cut", FinishReason = "length", Decision = new RoutingDecision(), Usage = new Usage(), Budget = new Routing.Contracts.Common.V1.BudgetState() };
        var ids = new ResponseIds("acme", "t1", 0);

        var response = ResponseObject.Build(ids.Response, 1, "m", Body("""{"model":"auto","input":"x"}"""), step, ids);

        Assert.Equal("incomplete", response["status"]!.GetValue<string>());
        Assert.Equal("max_output_tokens", response["incomplete_details"]!["reason"]!.GetValue<string>());
    }
}
