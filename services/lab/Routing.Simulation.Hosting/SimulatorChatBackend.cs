using System.Runtime.CompilerServices;
using System.Text.Json;
using Routing.Backends;
using Routing.Simulation.Server;
using ChatRequest = Routing.Simulation.Server.ChatRequest;
using TokenLogprob = Routing.Backends.TokenLogprob;
using SimTokenLogprob = Routing.Simulation.Server.TokenLogprob;

namespace Routing.Simulation.Hosting;

/// <summary>
/// The agent simulator called in-process (endpoint <c>sim:</c>, <see cref="Backends.Pool.SimulatorEndpoint"/>), for benchmarks and <c>routing up</c>: the same
/// <see cref="SimulatedBackend"/> and the same answer-building code as <c>routing sim serve</c>, so a task gets the
/// same content, usage, finish reason and log-probabilities here as over HTTP for the same seed. The task id
/// (<see cref="ChatCall.TaskId"/>) names the simulated task (<see cref="SimTaskId"/>); the model names the agent.
/// A call whose metadata <c>routing_sale</c> is bid, jury or refine is a SALE auction call, answered as the server
/// answers it (a plan or a jury verdict) without moving the episode.
/// </summary>
public sealed class SimulatorChatBackend(SimulatedBackend simulator) : IChatBackend, IDeclaredPromptTokens
{
    public Task<ChatResult> CompleteAsync(ChatCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        cancellationToken.ThrowIfCancellationRequested();
        if (call.Metadata.TryGetValue(ChatRequest.SaleCallMetadata, out var kind))
        {
            return Task.FromResult(Sale(call, kind));
        }

        var plan = ToolCall(call);
        var step = Step(call);
        if (plan is not null)
        {
            var toolCall = SimulatedToolUse.WithId(plan, step.TaskId, step.Observation.Step);
            using var calls = JsonDocument.Parse(toolCall.ToolCallsJson());
            return Task.FromResult(new ChatResult("", "tool_calls", Usage(step), null, calls.RootElement.Clone(), step.Agent.Name));
        }
        var logprobs = call.Logprobs ? ChatResponseWriter.Logprobs(step, simulator.Seed, call.TopLogprobs).ConvertAll(Convert) : null;
        return Task.FromResult(new ChatResult(step.Content, ChatResponseWriter.FinishReason(step), Usage(step), logprobs, null, step.Agent.Name));
    }

    public async IAsyncEnumerable<ChatChunk> StreamAsync(ChatCall call, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        cancellationToken.ThrowIfCancellationRequested();
        var plan = ToolCall(call);
        var step = Step(call);
        if (plan is not null)
        {
            var toolCall = SimulatedToolUse.WithId(plan, step.TaskId, step.Observation.Step);
            using var delta = JsonDocument.Parse(toolCall.ToolCallsJson(streamed: true));
            yield return new ChatChunk("", null, null, null) { ToolCallDeltas = delta.RootElement.Clone() };
            yield return new ChatChunk("", null, "tool_calls", Usage(step));
            yield break;
        }
        var tokens = CompletionText.Tokenize(step.Content);
        var logprobs = call.Logprobs ? ChatResponseWriter.Logprobs(step, simulator.Seed, call.TopLogprobs) : null;

        // One chunk per token, as the server streams them; then finish reason and usage.
        for (var t = 0; t < tokens.Count; t++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new ChatChunk(tokens[t], logprobs is null ? null : [Convert(logprobs[t])], null, null);
        }

        await Task.CompletedTask.ConfigureAwait(false);
        yield return new ChatChunk("", null, ChatResponseWriter.FinishReason(step), Usage(step));
    }

    /// <summary>
    /// The simulated context the task's next step bills as prompt tokens (<see cref="SimulatedBackend.NextContextTokens"/>);
    /// null for a task id the simulator cannot serve or an ended episode (the call itself then fails without billing).
    /// </summary>
    public long? DeclaredPromptTokens(string? taskId, string model) =>
        taskId is not null && SimTaskId.TryParse(taskId, out var id, out _) && simulator.AgentIndex(model) >= 0 ? simulator.NextContextTokens(id) : null;

    /// <summary>The tool call a simulated agent makes for a request that offers tools (<see cref="SimulatedToolUse"/>), or null for text.</summary>
    private static SimulatedToolCall? ToolCall(ChatCall call)
    {
        try
        {
            return SimulatedToolUse.Decide(call.Tools, call.ToolChoice, call.Messages.Count > 0 ? call.Messages[^1].Role : null);
        }
        catch (OpenAiError e)
        {
            throw new BackendException(BackendFailure.Rejected, e.Message, mayHaveBeenBilled: false, e);
        }
    }

    private ChatResult Sale(ChatCall call, string kind)
    {
        var (id, agent) = Target(call);
        if (!ChatRequest.SaleCallKinds.Contains(kind))
        {
            throw new BackendException(BackendFailure.Rejected, $"Invalid metadata {ChatRequest.SaleCallMetadata} '{kind}': expected bid, jury or refine.", mayHaveBeenBilled: false);
        }

        var prompt = string.Concat(call.Messages.Select(static m => m.Content + "\n\n"));
        var answer = simulator.Answer(id, agent, kind, prompt, call.MaxTokens);
        var logprobs = call.Logprobs ? answer.Logprobs(call.TopLogprobs, answer.Hash(simulator.Seed)).Select(Convert).ToList() : null;
        return new ChatResult(answer.Content, answer.Truncated ? "length" : "stop", new ChatUsage(answer.PromptTokens, answer.CompletionTokens), logprobs, null, answer.Agent.Profile.Name);
    }

    private SimulatedStep Step(ChatCall call)
    {
        var (id, agent) = Target(call);
        try
        {
            return simulator.Step(id, agent, call.MaxTokens);
        }
        catch (OpenAiError e)
        {
            // 429: the simulator holds too many episodes (capacity, like an overloaded server); 409: the episode ended.
            throw new BackendException(e.Status == 429 ? BackendFailure.Unavailable : BackendFailure.Rejected, e.Message, mayHaveBeenBilled: false, e) { CallerFault = e.Status is >= 400 and < 500 and not 429 };
        }
    }

    private (SimTaskId Id, int Agent) Target(ChatCall call)
    {
        if (call.TaskId is null)
        {
            throw new BackendException(BackendFailure.Rejected, "The simulator needs the call's task id (a simulated task such as 'coding-3-17') to know which episode to advance.", mayHaveBeenBilled: false) { CallerFault = true };
        }

        if (!SimTaskId.TryParse(call.TaskId, out var id, out var reason))
        {
            throw new BackendException(BackendFailure.Rejected, $"Invalid simulator task id '{call.TaskId}': {reason}.", mayHaveBeenBilled: false) { CallerFault = true };
        }

        var agent = simulator.AgentIndex(call.Model);
        if (agent < 0)
        {
            throw new BackendException(BackendFailure.Rejected, $"The simulator serves no model '{call.Model}'; it serves {string.Join(", ", Enumerable.Range(0, simulator.Pool.Count).Select(i => simulator.Pool[i].Name))}.", mayHaveBeenBilled: false);
        }

        return (id, agent);
    }

    private static ChatUsage Usage(SimulatedStep step) => new(step.Observation.InputTokens, step.CompletionTokens);

    private static TokenLogprob Convert(SimTokenLogprob logprob) => new(
        logprob.Token,
        CompletionText.WireLogprob(logprob.Logprob),
        [.. logprob.Top.Select(static t => new TopLogprob(t.Token, CompletionText.WireLogprob(t.Logprob)))]);
}
