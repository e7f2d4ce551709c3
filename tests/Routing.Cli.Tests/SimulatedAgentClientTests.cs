using Routing.Cli.Hosting;
using Xunit;

namespace Routing.Cli.Tests;

/// <summary>
/// The official Anthropic and OpenAI SDKs, and an OpenAI Agents SDK agent, against plain <c>routing up</c> (the
/// simulator's agents): a forced tool call through /v1/responses and /v1/messages, streamed and not, then the
/// tool-result turn; an agent with one function tool completes its tool loop in chat_completions and responses
/// modes. Each script checks what its client got back and exits non-zero naming what broke.
/// </summary>
public sealed class SimulatedAgentClientTests
{
    [SkippableTheory]
    [InlineData("openai-responses.mjs", "openai")]
    [InlineData("anthropic-messages.mjs", "@anthropic-ai/sdk")]
    [InlineData("agents-sdk.mjs", "@openai/agents")]
    public async Task OfficialClientCompletesItsToolLoopAgainstRoutingUp(string script, string package)
    {
        var missing = NodeClients.Missing(package);
        Skip.If(missing is not null, missing);
        await using var stack = await LocalStack.StartAsync(null, "127.0.0.1", anyPorts: true, "none", CancellationToken.None);

        var (exit, stdout, stderr) = await NodeClients.RunAsync(script, new Dictionary<string, string>
        {
            ["ROUTING_BASE_URL"] = stack.ExecutorOpenAiAddress,
            ["ROUTING_API_KEY"] = LocalStack.DevApiKey,
        }, TimeSpan.FromMinutes(2));

        Assert.True(exit == 0, $"{script} failed ({exit}):\n{stderr}\n{stdout}");
    }
}
