using System.Text.Json;
using System.Text.Json.Nodes;
using Routing.Cli.Hosting;
using Routing.Testing;
using Xunit;

namespace Routing.Cli.Tests;

/// <summary>
/// The official <c>openai</c> npm client (tests/clients/openai-chat.mjs) against <c>routing up --agents</c> whose pool
/// is a recording OpenAI-compatible server on loopback: the script checks what the client got back (forced tool
/// calls streamed and not, a usage chunk only when asked, the replay of a streamed tool-call step, a reused key
/// refused), this test what the agent received (every pass-through field and the image part unchanged).
/// </summary>
public sealed class OfficialClientTests
{
    private const string WeatherCall = """[{"index":0,"id":"call_weather_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]""";

    [SkippableFact]
    public async Task OpenAiNodeClientWorksUnchangedThroughTheFrontDoor()
    {
        var missing = NodeClients.Missing("openai");
        Skip.If(missing is not null, missing);
        await using var backend = await ScriptedOpenAiServer.StartAsync();
        backend.Responder = ForcedToolCalls;
        var agentsFile = Path.Combine(Path.GetTempPath(), $"routing-up-agents-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(agentsFile, $$"""
            {"agents":[
              {"name":"small","endpoint":"{{backend.BaseAddress}}","model":"small-model","priceInMicrosPerMTok":1000000,"priceOutMicrosPerMTok":2000000,"tier":0,"maxOutputTokens":512},
              {"name":"large","endpoint":"{{backend.BaseAddress}}","model":"large-model","priceInMicrosPerMTok":10000000,"priceOutMicrosPerMTok":30000000,"tier":1,"maxOutputTokens":512}
            ]}
            """);
        try
        {
            await using var stack = await LocalStack.StartAsync(null, "127.0.0.1", anyPorts: true, "none", CancellationToken.None, LocalStack.AgentPoolSettings(agentsFile));

            var (exit, stdout, stderr) = await NodeClients.RunAsync("openai-chat.mjs", new Dictionary<string, string>
            {
                ["ROUTING_BASE_URL"] = stack.ExecutorOpenAiAddress,
                ["ROUTING_API_KEY"] = LocalStack.DevApiKey,
                ["ROUTING_RUN"] = Guid.NewGuid().ToString("N")[..8],
            }, TimeSpan.FromMinutes(2));

            Assert.True(exit == 0, $"openai-chat.mjs failed ({exit}):\n{stderr}\n{stdout}");
            var markers = JsonNode.Parse(stdout.Trim().Split('\n')[^1])!.AsObject();

            // Every field the executor does not own arrives as the client sent it; the model is the agent's.
            var sent = markers["passThroughBody"]!.AsObject();
            var received = BodyOf(backend, markers["passThrough"]!.GetValue<string>());
            Assert.Equal("small-model", received["model"]!.GetValue<string>());
            foreach (var (name, value) in sent)
            {
                if (name != "model")
                {
                    Assert.True(JsonNode.DeepEquals(value, received[name]), $"{name}: sent {value?.ToJsonString()}, the agent got {received[name]?.ToJsonString()}");
                }
            }
            Assert.False(received.ContainsKey("stream"));

            var forced = BodyOf(backend, markers["forcedTool"]!.GetValue<string>());
            Assert.Equal("get_weather", forced["tool_choice"]!["function"]!["name"]!.GetValue<string>());

            // The streamed step reached the agent once (its two replays did not), asking for usage though the client did not.
            var streamed = backend.Requests.Where(r => r.Body.Contains(markers["streamedTool"]!.GetValue<string>() + "\"", StringComparison.Ordinal)).ToList();
            var streamedBody = Assert.Single(streamed).Json();
            Assert.True(streamedBody.RootElement.GetProperty("stream").GetBoolean());
            Assert.True(streamedBody.RootElement.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
            Assert.Equal("required", streamedBody.RootElement.GetProperty("tool_choice").GetString());
        }
        finally
        {
            File.Delete(agentsFile);
        }
    }

    /// <summary>A call whose request forces or requires a tool answers the weather tool's call; any other the default text.</summary>
    private static ScriptedReply ForcedToolCalls(RecordedRequest request)
    {
        using var body = request.Json();
        var forced = body.RootElement.TryGetProperty("tool_choice", out var choice)
            && (choice.ValueKind == JsonValueKind.Object || (choice.ValueKind == JsonValueKind.String && choice.GetString() == "required"));
        return forced ? new ScriptedReply { Content = "", ToolCallsJson = WeatherCall, FinishReason = "tool_calls" } : new ScriptedReply();
    }

    private static JsonObject BodyOf(ScriptedOpenAiServer backend, string marker)
    {
        var request = Assert.Single(backend.Requests, r => r.Body.Contains(JsonSerializer.Serialize(marker), StringComparison.Ordinal));
        return JsonNode.Parse(request.Body)!.AsObject();
    }
}
