using System.Text.Json.Nodes;
using Routing.Backends.Anthropic;

namespace Routing.Backends.Tests;

/// <summary>What an Anthropic agent receives for a chat-shaped call: the Messages request, translated field by field.</summary>
public sealed class AnthropicRequestTests : AnthropicServerTest
{
    private const string ChatBody = """
        {"model":"auto","max_tokens":4000,"temperature":0.5,"top_p":0.9,"stop":"Observation:","user":"u-42",
         "parallel_tool_calls":false,"tool_choice":{"type":"function","function":{"name":"get_weather"}},
         "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather of a city","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}},
                  {"type":"function","function":{"name":"now"}}],
         "messages":[
           {"role":"system","content":"Be brief."},
           {"role":"user","content":[{"type":"text","text":"Which is warmer?"},
                                     {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
                                     {"type":"image_url","image_url":{"url":"https://example.com/map.jpg","detail":"low"}}]},
           {"role":"assistant","content":null,"tool_calls":[
              {"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
              {"id":"toolu_2","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Rome\"}"}}]},
           {"role":"tool","tool_call_id":"toolu_1","content":"18 C"},
           {"role":"tool","tool_call_id":"toolu_2","content":"24 C"},
           {"role":"user","content":"And now?"},
           {"role":"developer","content":"Answer in one word."}]}
        """;

    [Fact]
    public async Task AChatCallArrivesAsAMessagesRequestWithSystemBlocksToolsAndStopSequences()
    {
        var call = new ChatCall { Model = "claude-test", Messages = [new ChatMessage("user", "x")], MaxTokens = 256, TaskId = "task-1", PassThrough = JsonNode.Parse(ChatBody)!.AsObject() };

        await Backend.CompleteAsync(call, CancellationToken.None);

        var request = Assert.Single(Server.Requests);
        Assert.Equal("/v1/messages", request.Path);
        Assert.Equal(AnthropicMapping.ApiVersion, request.Header("anthropic-version"));
        Assert.Equal("task-1", request.Header("X-Routing-Task-Id"));
        var expected = JsonNode.Parse("""
            {"model":"claude-test","max_tokens":256,
             "system":[{"type":"text","text":"Be brief."},{"type":"text","text":"Answer in one word."}],
             "messages":[
               {"role":"user","content":[{"type":"text","text":"Which is warmer?"},
                                         {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
                                         {"type":"image","source":{"type":"url","url":"https://example.com/map.jpg"}}]},
               {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}},
                                              {"type":"tool_use","id":"toolu_2","name":"get_weather","input":{"city":"Rome"}}]},
               {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"18 C"}]},
                                         {"type":"tool_result","tool_use_id":"toolu_2","content":[{"type":"text","text":"24 C"}]},
                                         {"type":"text","text":"And now?"}]}],
             "temperature":0.5,"top_p":0.9,"stop_sequences":["Observation:"],
             "tools":[{"name":"get_weather","description":"Weather of a city","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}},
                      {"name":"now","input_schema":{"type":"object","properties":{}}}],
             "tool_choice":{"type":"tool","name":"get_weather","disable_parallel_tool_use":true},
             "metadata":{"user_id":"u-42"}}
            """);
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(request.Body)), request.Body);
    }

    [Theory]
    [InlineData("\"required\"", """{"type":"any"}""")]
    [InlineData("\"none\"", """{"type":"none"}""")]
    [InlineData("\"auto\"", """{"type":"auto"}""")]
    public async Task ToolChoiceMapsToAnthropicsKinds(string chatChoice, string anthropicChoice)
    {
        var body = JsonNode.Parse("""{"model":"auto","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":""" + chatChoice + "}")!.AsObject();

        await Backend.CompleteAsync(new ChatCall { Model = "claude-test", Messages = [], MaxTokens = 10, PassThrough = body }, CancellationToken.None);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(anthropicChoice), JsonNode.Parse(Server.Requests[0].Body)!["tool_choice"]));
    }

    [Fact]
    public async Task ATypedCallWithoutAClientBodyIsTranslatedToo()
    {
        await Backend.CompleteAsync(HttpBackendHarness.Call("claude-test") with { Temperature = 0.2 }, CancellationToken.None);

        var body = JsonNode.Parse(Server.Requests[0].Body)!;
        Assert.Equal("Be brief.", body["system"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("""[{"role":"user","content":[{"type":"text","text":"What is 2\u002B2?"}]}]""", body["messages"]!.ToJsonString());
        Assert.Equal(64, body["max_tokens"]!.GetValue<int>());
        Assert.Equal(0.2, body["temperature"]!.GetValue<double>());
    }

    [Fact]
    public async Task TheKeyGoesAsXApiKeyAndAnEndpointEndingInV1IsNotDoubled()
    {
        const string variable = "ROUTING_TEST_ANTHROPIC_KEY";
        Environment.SetEnvironmentVariable(variable, "sk-ant-test");
        var agent = Agent with { Endpoint = new Uri(Server.BaseAddress, "/v1"), CredentialRef = "env:" + variable };

        await Harness.AnthropicBackend(agent).CompleteAsync(HttpBackendHarness.Call("claude-test"), CancellationToken.None);

        var request = Assert.Single(Server.Requests);
        Assert.Equal("/v1/messages", request.Path);
        Assert.Equal("sk-ant-test", request.Header("x-api-key"));
        Assert.Null(request.Header("Authorization"));
    }

    [Theory]
    [InlineData("""{"n":2}""", "n")]
    [InlineData("""{"response_format":{"type":"json_object"}}""", "response_format")]
    [InlineData("""{"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}}]}]}""", "messages[0].content[0].type")]
    public async Task AFieldWithoutAnAnthropicEquivalentIsRefusedNamingItAndNothingIsSent(string fields, string field)
    {
        var body = JsonNode.Parse("""{"model":"auto","messages":[{"role":"user","content":"hi"}]}""")!.AsObject();
        foreach (var (name, value) in JsonNode.Parse(fields)!.AsObject())
        {
            body[name] = value?.DeepClone();
        }

        var failure = await Assert.ThrowsAsync<BackendException>(() => Backend.CompleteAsync(new ChatCall { Model = "claude-test", Messages = [], MaxTokens = 10, PassThrough = body }, CancellationToken.None));

        Assert.Equal(BackendFailure.Rejected, failure.Failure);
        Assert.True(failure.CallerFault);
        Assert.False(failure.MayHaveBeenBilled);
        Assert.Equal(field, failure.Field);
        Assert.Empty(Server.Requests);
    }
}
