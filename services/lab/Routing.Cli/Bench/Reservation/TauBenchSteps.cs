using System.Text;
using System.Text.Json.Nodes;
using Routing.Executor.Http;
using Routing.Executor.Pipeline;

namespace Routing.Cli.Bench.Reservation;

/// <summary>
/// One step of a recorded tau-bench conversation: the prefix that ends on a user or tool turn, as the executor parses
/// it from a chat-completions body, the o200k count of the same messages as the backend receives them (the executor
/// forwards them unchanged: <c>TauBenchPassThroughTests</c>), and the tokens of the assistant turn that followed.
/// </summary>
/// <param name="Conversation">Index of the conversation in the file.</param>
/// <param name="End">Messages in the prefix.</param>
/// <param name="RealInputTokens">The prompt tokens the backend bills for the prefix (<see cref="ReferencePromptTokens"/>).</param>
/// <param name="NextOutputTokens">The tokens of the next assistant turn of the conversation: a realistic output size.</param>
public sealed record TauBenchStep(int Conversation, int End, StepCommand Command, long RealInputTokens, long NextOutputTokens);

/// <summary>Reads the tau-bench file (<see cref="FileName"/> under a data folder) into its steps.</summary>
public static class TauBenchSteps
{
    /// <summary>The file's path under the data folder (ROUTING_OUTCOME_DATA, docs/benchmarks.md "Real outcome data").</summary>
    public const string FileName = "agentic/tau-bench-airline-gpt-4o.json";

    /// <summary>
    /// Every prefix of every conversation that ends on a user or tool turn and is followed by an assistant turn (the
    /// last turn of a conversation has no real next step to compare with, so it is left out).
    /// </summary>
    public static List<TauBenchStep> Load(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        var path = Path.Combine(dataDirectory, FileName);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"--data: {path} does not exist (the folder must hold {FileName})", path);
        }

        var conversations = JsonNode.Parse(File.ReadAllText(path))?.AsArray()
            ?? throw new InvalidDataException($"{path}: expected a JSON array of conversations");
        var steps = new List<TauBenchStep>();
        for (var c = 0; c < conversations.Count; c++)
        {
            var trajectory = conversations[c]?["traj"]?.AsArray() ?? throw new InvalidDataException($"{path}: conversation {c} has no 'traj' array");
            for (var end = 1; end < trajectory.Count; end++)
            {
                var role = trajectory[end - 1]?["role"]?.GetValue<string>();
                var next = trajectory[end]!;
                if (role is not ("user" or "tool") || next["role"]?.GetValue<string>() != "assistant")
                {
                    continue;
                }

                var messages = new JsonArray([.. trajectory.Take(end).Select(m => m!.DeepClone())]);
                // No max_tokens: the executor's default output cap applies, as for a client that names none.
                var body = new JsonObject { ["model"] = "auto", ["messages"] = messages }.ToJsonString();
                var command = ChatCompletionRequest.Parse(Encoding.UTF8.GetBytes(body), $"tau-{c}", null, null).Command;
                steps.Add(new TauBenchStep(c, end, command, ReferencePromptTokens.Prompt(messages), ReferencePromptTokens.Completion(next)));
            }
        }

        return steps;
    }
}
