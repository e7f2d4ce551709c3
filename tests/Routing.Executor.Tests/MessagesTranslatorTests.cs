using System.Text.Json.Nodes;
using Routing.Contracts.Executor.V1;
using Routing.Executor.Http;
using Routing.Executor.Http.Messages;
using Xunit;

namespace Routing.Executor.Tests;

public sealed class MessagesTranslatorTests
{
    private static JsonObject Body(string json) => JsonNode.Parse(json)!.AsObject();

    [Fact]
    public void SystemStopSequencesAndSamplingMapToChatFields()
    {
        var (chat, stream) = MessagesRequestTranslator.Translate(Body("""
            {"model":"auto","max_tokens":64,"system":[{"type":"text","text":"be "},{"type":"text","text":"brief","cache_control":{"type":"ephemeral"}}],
             "messages":[{"role":"user","content":"hi"}],"stop_sequences":["Observation:"],"temperature":0.5,"metadata":{"user_id":"u1"},"stream":true}
            """));

        Assert.True(stream);
        Assert.Equal(
            """{"model":"auto","max_tokens":64,"temperature":0.5,"stream":true,"stop":["Observation:"],"user":"u1","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}]}""",
            chat.ToJsonString().Replace("\\u0022", "\\\"", StringComparison.Ordinal));
    }

    [Fact]
    public void ToolUseAndToolResultBlocksBecomeToolCallsAndToolMessages()
    {
        var (chat, _) = MessagesRequestTranslator.Translate(Body("""
            {"model":"auto","max_tokens":64,
             "messages":[
               {"role":"user","content":[{"type":"text","text":"look"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}}]},
               {"role":"assistant","content":[{"type":"thinking","thinking":"hm","signature":"s"},{"type":"text","text":"calling"},{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Oslo"}}]},
               {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"rain"}]},{"type":"text","text":"and?"}]},
               {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_2","content":"boom","is_error":true}]}
             ],
             "tools":[{"name":"get_weather","description":"weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}],
             "tool_choice":{"type":"any","disable_parallel_tool_use":true}}
            """));

        var messages = chat["messages"]!.AsArray();
        Assert.Equal("""[{"type":"text","text":"look"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]""", messages[0]!["content"]!.ToJsonString().Replace("\\u0022", "\\\"", StringComparison.Ordinal));
        Assert.Equal(
            """{"role":"assistant","content":"calling","tool_calls":[{"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}}]}""",
            messages[1]!.ToJsonString().Replace("\\u0022", "\\\"", StringComparison.Ordinal));
        Assert.Equal("""{"role":"tool","tool_call_id":"toolu_1","content":"rain"}""", messages[2]!.ToJsonString().Replace("\\u0022", "\\\"", StringComparison.Ordinal));
        Assert.Equal("""{"role":"user","content":"and?"}""", messages[3]!.ToJsonString().Replace("\\u0022", "\\\"", StringComparison.Ordinal));
        Assert.Equal("Error: boom", messages[4]!["content"]!.GetValue<string>());
        Assert.Equal(5, messages.Count);
        Assert.Equal("get_weather", chat["tools"]![0]!["function"]!["name"]!.GetValue<string>());
        Assert.Equal("required", chat["tool_choice"]!.GetValue<string>());
        Assert.False(chat["parallel_tool_calls"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("""{"type":"auto"}""", "\"auto\"")]
    [InlineData("""{"type":"none"}""", "\"none\"")]
    [InlineData("""{"type":"tool","name":"f"}""", """{"type":"function","function":{"name":"f"}}""")]
    public void ToolChoicesMap(string choice, string expected)
    {
        var (chat, _) = MessagesRequestTranslator.Translate(Body($$"""{"model":"auto","max_tokens":5,"messages":[{"role":"user","content":"x"}],"tool_choice":{{choice}}}"""));

        Assert.Equal(expected, chat["tool_choice"]!.ToJsonString().Replace("\\u0022", "\\\"", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"model":"auto","messages":[{"role":"user","content":"x"}]}""", "max_tokens")]
    [InlineData("""{"max_tokens":5,"messages":[{"role":"user","content":"x"}]}""", "model")]
    [InlineData("""{"model":"auto","max_tokens":5}""", "messages")]
    [InlineData("""{"model":"auto","max_tokens":5,"messages":[{"role":"system","content":"x"}]}""", "messages.0.role")]
    [InlineData("""{"model":"auto","max_tokens":5,"messages":[{"role":"user","content":[{"type":"document","source":{}}]}]}""", "messages.0.content.0.type")]
    [InlineData("""{"model":"auto","max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"file","file_id":"f"}}]}]}""", "messages.0.content.0.source.type")]
    [InlineData("""{"model":"auto","max_tokens":5,"messages":[{"role":"user","content":"x"}],"tools":[{"type":"web_search_20250305","name":"web_search"}]}""", "tools.0.type")]
    [InlineData("""{"model":"auto","max_tokens":5,"messages":[{"role":"user","content":"x"}],"tool_choice":{"type":"maybe"}}""", "tool_choice.type")]
    public void BadFieldsAreNamed(string body, string field)
    {
        var error = Assert.Throws<OpenAiRequestException>(() => MessagesRequestTranslator.Translate(Body(body)));

        Assert.Equal(400, error.Error.Status);
        Assert.Equal(field, error.Error.Param);
    }

    [Fact]
    public void AToolCallStepIsAToolUseMessage()
    {
        var step = new StepResponse
        {
            Content = "",
            FinishReason = "tool_calls",
            ToolCallsJson = """[{"id":"call_9","type":"function","function":{"name":"lookup","arguments":"{\"q\":1}"}}]""",
            Decision = new RoutingDecision { Agent = "small", Model = "small-model" },
            Usage = new Usage { PromptTokens = 10, CompletionTokens = 4 },
            Budget = new Routing.Contracts.Common.V1.BudgetState(),
        };

        var message = MessageObject.Build("msg_1", "small-model", step);

        Assert.Equal("tool_use", message["stop_reason"]!.GetValue<string>());
        Assert.Equal("""[{"type":"tool_use","id":"call_9","name":"lookup","input":{"q":1}}]""", message["content"]!.ToJsonString().Replace("\\u0022", "\\\"", StringComparison.Ordinal));
        Assert.Equal(10, message["usage"]!["input_tokens"]!.GetValue<int>());
    }

    [Theory]
    [InlineData(400, "invalid_request_error")]
    [InlineData(401, "authentication_error")]
    [InlineData(402, "billing_error")]
    [InlineData(403, "permission_error")]
    [InlineData(404, "not_found_error")]
    [InlineData(409, "invalid_request_error")]
    [InlineData(502, "api_error")]
    [InlineData(504, "timeout_error")]
    public void ErrorsTakeAnthropicTypes(int status, string type)
    {
        var body = AnthropicErrorBody.From(new OpenAiErrorBody(status, "m", "x", null, null));

        Assert.Equal($$$"""{"type":"error","error":{"type":"{{{type}}}","message":"m"}}""", body.ToJsonString().Replace("\\u0022", "\\\"", StringComparison.Ordinal));
    }
}
