using System.Text.Json;

namespace Routing.Simulation.Server.Tests;

public sealed class SimulatedToolUseTests
{
    private static readonly JsonElement Tools = JsonDocument.Parse("""
        [{"type":"function","function":{"name":"search","parameters":{"type":"object","properties":{"query":{"type":"string","minLength":8},"limit":{"type":"integer","minimum":3},"exact":{"type":"boolean"},"tags":{"type":"array","items":{"type":["string","null"]}},"when":{"type":"string","format":"date"}},"required":["query","limit","tags","when"]}}},
         {"type":"function","function":{"name":"open","parameters":{"type":"object","properties":{"mode":{"enum":["read","write"]},"depth":{"type":"number","exclusiveMinimum":0.5}}}}}]
        """).RootElement;

    [Fact]
    public void TheUsersTurnGetsACallWithArgumentsValidForTheSchema()
    {
        var call = SimulatedToolUse.Decide(Tools, null, "user");

        Assert.NotNull(call);
        Assert.Equal("search", call.Name);
        Assert.Equal("""{"query":"queryxxx","limit":3,"tags":["tags"],"when":"2026-01-01"}""", call.Arguments);
    }

    [Fact]
    public void AToolResultGetsText() => Assert.Null(SimulatedToolUse.Decide(Tools, null, "tool"));

    [Fact]
    public void ToolChoiceIsHonoured()
    {
        var named = SimulatedToolUse.Decide(Tools, JsonDocument.Parse("""{"type":"function","function":{"name":"open"}}""").RootElement, "tool");
        var required = SimulatedToolUse.Decide(Tools, JsonDocument.Parse("\"required\"").RootElement, "tool");
        var none = SimulatedToolUse.Decide(Tools, JsonDocument.Parse("\"none\"").RootElement, "user");

        Assert.Equal("open", named!.Name);
        Assert.Equal("""{"mode":"read","depth":1}""", named.Arguments);
        Assert.Equal("search", required!.Name);
        Assert.Null(none);
    }

    [Fact]
    public void AChoiceNamingNoOfferedToolIsRefused()
    {
        var error = Assert.Throws<OpenAiError>(() => SimulatedToolUse.Decide(Tools, JsonDocument.Parse("""{"type":"function","function":{"name":"delete"}}""").RootElement, "user"));

        Assert.Equal(400, error.Status);
        Assert.Null(SimulatedToolUse.Decide(null, null, "user"));
    }

    [Fact]
    public void CallIdsAreDeterministicPerTaskAndStep()
    {
        var call = SimulatedToolUse.Decide(Tools, null, "user")!;
        SimTaskId.TryParse("coding-1-3", out var id, out _);

        Assert.Equal(SimulatedToolUse.WithId(call, id, 2).Id, SimulatedToolUse.WithId(call, id, 2).Id);
        Assert.NotEqual(SimulatedToolUse.WithId(call, id, 2).Id, SimulatedToolUse.WithId(call, id, 3).Id);
        Assert.StartsWith("call_", SimulatedToolUse.WithId(call, id, 2).Id, StringComparison.Ordinal);
    }
}
