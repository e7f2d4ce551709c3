using System.Collections.Concurrent;
using Routing.Simulation.Agents;
using Routing.Simulation.Episodes;
using Routing.Simulation.Observations;
using Routing.Simulation.Sale;
using Routing.Simulation.Tasks;

namespace Routing.Simulation.Server;

/// <summary>One model call answered by the simulator: the step's observation and where the episode stands.</summary>
/// <remarks>
/// <see cref="OutputCap"/> is the caller's <c>max_tokens</c> (at most the agent's own cap). A real backend stops
/// generating there, so the reported usage never exceeds it and the caller's worst-case reservation holds. The
/// simulated episode itself does not model the cut (its next steps are the same as without it): documented in
/// docs/simulator.md.
/// </remarks>
public sealed record SimulatedStep(
    SimTaskId TaskId, SimTask Task, AgentProfile Agent, StepObservation Observation, string Content, bool Ended, EpisodeEnd? End, int OutputCap)
{
    /// <summary>True when the simulated output reached the output cap (reported as <c>finish_reason: length</c>).</summary>
    public bool Truncated => Observation.OutputTokens >= OutputCap;

    /// <summary>Output tokens reported as usage: the simulated output, cut at <see cref="OutputCap"/>.</summary>
    public int CompletionTokens => Math.Min(Observation.OutputTokens, OutputCap);

    /// <summary>What the reported usage costs at the agent's prices.</summary>
    public long CostMicros => Truncated ? Agent.CostMicros(Observation.InputTokens, CompletionTokens) : Observation.CostMicros;
}

/// <summary>
/// Keeps one simulated episode per task id and advances it by one step per model call. Thread-safe: calls for
/// different tasks run in parallel, calls for the same task one at a time in arrival order.
/// </summary>
/// <remarks>
/// The episode runner plays whole episodes, so a session stores only the agents chosen so far and replays the
/// episode with them plus the requested agent, stopping after that step. The simulator is deterministic in
/// (seed, task, attempt, agent sequence), so replaying gives exactly the episode a router driving the runner
/// in-process would see, and the same calls on the same seed always get the same answers.
/// </remarks>
public sealed class SimulatedBackend
{
    private readonly ConcurrentDictionary<SimTaskId, Session> _sessions = new();
    private readonly TaskGenerator _tasks;
    private readonly EpisodeRunner _runner;
    private readonly int _maxTasks;

    public SimulatedBackend(SimulatorModel model, ulong seed, int maxTasks)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTasks, 1);
        Model = model;
        Seed = seed;
        _maxTasks = maxTasks;
        _tasks = new TaskGenerator(model, seed);
        var names = model.Parameters.Agents
            .OrderBy(a => a.PriceInMicrosPerMTok + a.PriceOutMicrosPerMTok)
            .ThenBy(a => a.Name, StringComparer.Ordinal)
            .Select(a => a.Name)
            .ToArray();
        Pool = model.PoolOf("served", names);
        _runner = new EpisodeRunner(model, Pool);
        Sale = new SaleResponder(model, Pool);
    }

    /// <summary>Answers SALE bid, jury and refine calls for the served pool.</summary>
    public SaleResponder Sale { get; }

    /// <summary>Answers a SALE auction call (bid, jury or refine); the task's episode does not move.</summary>
    public SaleAnswer Answer(SimTaskId id, int agentIndex, string kind, string promptText, long? maxTokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(agentIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(agentIndex, Pool.Count);
        return SaleAnswer.For(Sale, id, TaskOf(id), new AgentIndexed(agentIndex, Pool[agentIndex]), kind, promptText, maxTokens);
    }

    public SimulatorModel Model { get; }

    public ulong Seed { get; }

    /// <summary>Every simulated agent, cheapest first: the models this backend serves.</summary>
    public AgentPool Pool { get; }

    /// <summary>Task episodes held in memory.</summary>
    public int TaskCount => _sessions.Count;

    /// <summary>The pool index of a served model, or -1.</summary>
    public int AgentIndex(string model)
    {
        for (var i = 0; i < Pool.Count; i++)
        {
            if (Pool[i].Name == model)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The task a task id names on this backend's seed.</summary>
    public SimTask TaskOf(SimTaskId id) => _tasks.Create(id.Domain, id.Bin, id.Index);

    /// <summary>
    /// Plays the next step of <paramref name="id"/>'s episode on <paramref name="agentIndex"/>. Throws
    /// <see cref="OpenAiError"/> 409 when the episode has already ended and 429 when too many tasks are open.
    /// </summary>
    /// <param name="maxTokens">The caller's output cap (<c>max_tokens</c>); null or above the agent's cap means the agent's cap.</param>
    public SimulatedStep Step(SimTaskId id, int agentIndex, long? maxTokens = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(agentIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(agentIndex, Pool.Count);
        if (!_sessions.TryGetValue(id, out var session))
        {
            if (_sessions.Count >= _maxTasks)
            {
                throw new OpenAiError(429, $"The simulator holds {_maxTasks} task episodes already; restart it or raise --max-tasks.", "rate_limit_error", null, "too_many_tasks");
            }

            session = _sessions.GetOrAdd(id, _ => new Session());
        }

        lock (session)
        {
            if (session.End is { } end)
            {
                throw new OpenAiError(
                    409,
                    $"The episode of task '{id}' has ended ({Describe(end)}) after {session.Agents.Count} steps; use another attempt (e.g. '{id with { Attempt = id.Attempt + 1 }}') to replay it.",
                    OpenAiError.InvalidRequest,
                    "metadata.task_id",
                    "episode_ended");
            }

            var task = TaskOf(id);
            session.Agents.Add(agentIndex);
            var trace = new List<StepObservation>(session.Agents.Count);
            var result = _runner.Run(task, new ReplayRouter(session.Agents), id.Attempt, trace);
            var observation = trace[^1];
            var ended = result.End != EpisodeEnd.StoppedByRouter;
            if (ended)
            {
                session.End = result.End;
            }

            // The runner's own context update (EpisodeRunner.Run): what the next step will be sent.
            session.NextContext = (long)observation.InputTokens + observation.OutputTokens + observation.ObservationTokens;
            var content = observation.RenderChatContent(task.Domain);
            var cap = (int)Math.Min(maxTokens ?? Pool[agentIndex].MaxOutputTokens, Pool[agentIndex].MaxOutputTokens);
            return new SimulatedStep(id, task, Pool[agentIndex], observation, content, ended, ended ? result.End : null, cap);
        }
    }

    /// <summary>
    /// The simulated context the next <see cref="Step"/> of <paramref name="id"/> will report as its prompt tokens, on
    /// any agent (the context grows with past steps only): the task's prompt before the first step, null once the
    /// episode has ended. Reads the session without moving it.
    /// </summary>
    public long? NextContextTokens(SimTaskId id)
    {
        if (!_sessions.TryGetValue(id, out var session))
        {
            return TaskOf(id).PromptTokens;
        }

        lock (session)
        {
            return session.End is null ? session.NextContext ?? TaskOf(id).PromptTokens : null;
        }
    }

    /// <summary>Snake-case name of an episode end, as the response's <c>routing_sim.end</c> carries it.</summary>
    public static string Describe(EpisodeEnd end) => end switch
    {
        EpisodeEnd.Solved => "solved",
        EpisodeEnd.WrongAnswer => "wrong_answer",
        EpisodeEnd.Stuck => "stuck",
        EpisodeEnd.HorizonReached => "horizon_reached",
        _ => "stopped",
    };

    private sealed class Session
    {
        public List<int> Agents { get; } = [];

        public EpisodeEnd? End { get; set; }

        public long? NextContext { get; set; }
    }
}
