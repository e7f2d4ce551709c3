using System.Text.Json;
using System.Text.Json.Nodes;
using Routing.Backends.OpenAi;

namespace Routing.Backends.Tests;

/// <summary>A client's body forwarded by <see cref="ChatRequestWriter"/>: only the fields the executor owns change.</summary>
public sealed class PassThroughRequestTests
{
    private const string ClientBody = """
        {"model":"auto","messages":[{"role":"user","content":[{"type":"text","text":"hi"},{"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}}]}],
         "max_tokens":9999,"stream":true,"stream_options":{"include_usage":false,"include_obfuscation":false},
         "tool_choice":"required","seed":3,"x_unknown":{"a":[1,null]}}
        """;

    [Fact]
    public void OwnedFieldsAreOverwrittenAndEveryOtherFieldPassesAsSent()
    {
        var client = JsonNode.Parse(ClientBody)!.AsObject();
        var call = new ChatCall { Model = "qwen3-8b", Messages = [new ChatMessage("user", "hi")], MaxTokens = 128, PassThrough = client };

        using var body = JsonDocument.Parse(ChatRequestWriter.Write(call, stream: true));

        var root = body.RootElement;
        Assert.Equal("qwen3-8b", root.GetProperty("model").GetString());
        Assert.Equal(128, root.GetProperty("max_tokens").GetInt32());
        Assert.True(root.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.False(root.GetProperty("stream_options").GetProperty("include_obfuscation").GetBoolean());
        foreach (var name in new[] { "messages", "tool_choice", "seed", "x_unknown" })
        {
            Assert.True(JsonNode.DeepEquals(client[name], JsonNode.Parse(root.GetProperty(name).GetRawText())), name);
        }
    }

    [Fact]
    public void ANonStreamedCallDropsTheClientsStreamFieldsAndKeepsItsOutputField()
    {
        var client = JsonNode.Parse("""{"model":"auto","messages":[],"max_completion_tokens":50,"reasoning_effort":"low"}""")!.AsObject();
        var call = new ChatCall { Model = "o4-mini", Messages = [], MaxTokens = 50, PassThrough = client, MaxTokensField = "max_completion_tokens" };

        using var body = JsonDocument.Parse(ChatRequestWriter.Write(call, stream: false));

        Assert.Equal(50, body.RootElement.GetProperty("max_completion_tokens").GetInt32());
        Assert.False(body.RootElement.TryGetProperty("max_tokens", out _));
        Assert.False(body.RootElement.TryGetProperty("stream", out _));
        Assert.Equal("low", body.RootElement.GetProperty("reasoning_effort").GetString());
    }
}
