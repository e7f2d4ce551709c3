using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Routing.Contracts.Wire;
using Routing.Executor.Http;
using Routing.Testing;
using Xunit;

namespace Routing.Executor.Tests;

/// <summary>
/// The 200 recorded tau-bench airline conversations of GPT-4o (agentic/tau-bench-airline-gpt-4o.json under
/// ROUTING_OUTCOME_DATA): every prefix that ends on a user or tool turn is sent through the chat-completions endpoint,
/// as the agent sent it; the agent behind the executor must receive the same messages (tool calls and tool results
/// included) after JSON canonicalisation, and each task's ledger must hold exactly what the agent reported.
/// </summary>
public sealed class TauBenchPassThroughTests(SharedExecutorStack shared) : IClassFixture<SharedExecutorStack>
{
    private const string DataFile = "agentic/tau-bench-airline-gpt-4o.json";

    private ExecutorStack Stack => shared.Stack;

    [SkippableFact]
    public async Task EveryTauBenchPrefixReachesTheAgentUnchangedAndIsLedgeredAsReported()
    {
        var root = Environment.GetEnvironmentVariable("ROUTING_OUTCOME_DATA");
        var path = root is null ? null : Path.Combine(root, DataFile);
        Skip.If(path is null || !File.Exists(path), $"the real tau-bench data ({DataFile} under ROUTING_OUTCOME_DATA) is not on this machine");
        var conversations = JsonNode.Parse(await File.ReadAllTextAsync(path!))!.AsArray();
        var run = Guid.NewGuid().ToString("N")[..8];
        // The agent reports usage that varies with the prefix, so that the ledger's sum is not a multiple of one step's cost.
        Stack.Backend.Responder = r => r.Header(RoutingHeaders.TaskId)?.EndsWith(run, StringComparison.Ordinal) == true
            ? new ScriptedReply { PromptTokens = r.Body.Length / 4, CompletionTokens = (r.Body.Length % 97) + 1 }
            : new ScriptedReply();
        var prefixes = 0;
        try
        {
            for (var c = 0; c < conversations.Count; c++)
            {
                var taskId = $"tau-{c}-{run}";
                var trajectory = conversations[c]!["traj"]!.AsArray();
                long reported = 0;
                for (var end = 1; end <= trajectory.Count; end++)
                {
                    var role = trajectory[end - 1]!["role"]!.GetValue<string>();
                    if (role is not ("user" or "tool"))
                    {
                        continue;
                    }
                    var messages = new JsonArray([.. trajectory.Take(end).Select(m => m!.DeepClone())]);
                    var body = new JsonObject { ["model"] = "small", ["max_tokens"] = 64, ["messages"] = messages }.ToJsonString();
                    using var request = Stack.ChatRequest(taskId, body);
                    request.Headers.Add(RoutingHeaders.BudgetMicros, "100000000");

                    using var response = await Stack.Http.SendAsync(request);

                    Assert.True(response.StatusCode == HttpStatusCode.OK, $"conversation {c}, prefix {end}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    var received = Stack.Backend.Requests[^1];
                    Assert.Equal(taskId, received.Header(RoutingHeaders.TaskId));
                    var forwarded = JsonNode.Parse(received.Body)!["messages"];
                    Assert.True(Canonical(messages) == Canonical(forwarded), $"conversation {c}, prefix {end}: the agent received other messages");
                    reported += ReportedCost(received.Body.Length);
                    prefixes++;
                }
                Assert.Equal(reported, (await Stack.LedgerAsync(taskId)).CommittedMicros);
            }
        }
        finally
        {
            Stack.Backend.Responder = null;
        }
        Assert.True(prefixes > 2_000, $"only {prefixes} prefixes end on a user or tool turn");
    }

    /// <summary>What the small agent ($1 / $2 per million tokens in / out) costs for the usage the responder reports.</summary>
    private static long ReportedCost(int bodyLength) => (bodyLength / 4) + (2L * ((bodyLength % 97) + 1));

    private static string Canonical(JsonNode? node)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            using var document = JsonDocument.Parse(node?.ToJsonString() ?? "null");
            RequestFingerprint.WriteCanonical(json, document.RootElement);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
