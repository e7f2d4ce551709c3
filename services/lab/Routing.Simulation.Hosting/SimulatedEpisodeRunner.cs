using System.Globalization;
using Routing.Contracts.Executor.V1;
using Routing.Backends.Pool;
using Routing.Executor.Episodes;
using Routing.Executor.Pipeline;
using Routing.Executor.Tasks;
using Routing.Simulation.Episodes;
using Routing.Simulation.Observations;
using Routing.Simulation.Server;
using ChatMessage = Routing.Backends.ChatMessage;
using StepSignals = Routing.Executor.Pipeline.StepSignals;

namespace Routing.Simulation.Hosting;

/// <summary>
/// <c>RunTask</c>: plays one simulated task to its end through the ordinary step pipeline (routing, budget,
/// backend, log), the way an agent runtime would, and reports the episode's outcome as the simulator scored it.
/// The episode ends when the simulator says so (solved, wrong answer, stuck, horizon) or when the budget refuses
/// a step; the end is read by replaying the agents chosen so far on the simulator's own episode runner, which is
/// deterministic and so sees exactly the episode the backend played. The request's strategy (<see cref="RunTaskStrategy"/>)
/// may pin each step's agent instead of routing it; pinned steps take the same pipeline (reserve, call, commit, log).
/// </summary>
public sealed class SimulatedEpisodeRunner(StepPipeline pipeline, TaskOperations tasks, SimulatedBackend simulator) : IEpisodeRunner
{
    /// <summary>The <c>end</c> of an episode the budget stopped.</summary>
    public const string BudgetExhaustedEnd = "budget_exhausted";

    public async Task RunAsync(string tenant, RunTaskRequest request, Func<RunTaskEvent, Task> emit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(emit);
        if (!SimTaskId.TryParse(request.TaskId, out var id, out var reason))
        {
            throw StepFailure.Invalid("task_id", $"must name a simulated task: {reason}");
        }
        if (request.MaxTokens < 0)
        {
            throw StepFailure.Invalid("max_tokens", $"must be ≥ 0 (0: each agent's maximum; got {request.MaxTokens})");
        }
        if (pipeline.Catalog.Ordered.Any(a => !SimulatorEndpoint.IsSimulator(a.Endpoint)))
        {
            throw new StepFailure(StepFailureKind.TaskClosed, "RunTask plays simulated tasks and needs a pool of in-process simulator agents (Routing:AgentPool:UseSimulator)");
        }
        var strategy = RunTaskStrategy.Of(request, pipeline.Catalog);
        var task = simulator.TaskOf(id);
        var runner = new EpisodeRunner(simulator.Model, simulator.Pool);
        var taskText = task.Describe();
        var open = new OpenTaskRequest { TaskId = request.TaskId, LimitMicros = request.LimitMicros, Horizon = task.Horizon, TaskText = taskText };
        if (request.HasLargeCallCap)
        {
            open.LargeCallCap = request.LargeCallCap;
        }
        await tasks.OpenAsync(tenant, open, cancellationToken);

        var agents = new List<int>();
        var observation = "";
        var trace = new List<StepObservation>();
        StepObservation? last = null;
        var success = false;
        var end = SimulatedBackend.Describe(EpisodeEnd.HorizonReached);
        for (var step = 0; step < task.Horizon; step++)
        {
            var pinned = strategy.NextAgent();
            var command = new StepCommand
            {
                TaskId = request.TaskId,
                Messages = observation.Length == 0
                    ? [new ChatMessage("user", taskText)]
                    : [new ChatMessage("user", taskText), new ChatMessage("tool", observation)],
                // 0 means each agent's own maximum (the contract): the simulated episode decides how much an agent
                // writes, and a lower cap would cut the reported usage the in-process episode counts in full. A pinned
                // step's cap is bounded by its agent's maximum here, as the pipeline bounds a routed one's (it refuses a
                // pinned cap above the maximum instead).
                MaxTokens = pinned is null
                    ? (request.MaxTokens > 0 ? request.MaxTokens : int.MaxValue)
                    : (request.MaxTokens > 0 ? Math.Min(request.MaxTokens, pinned.MaxOutputTokens) : pinned.MaxOutputTokens),
                Agent = pinned?.Name,
                CostPreference = request.HasCostPreference ? request.CostPreference : null,
                IdempotencyKey = string.Create(CultureInfo.InvariantCulture, $"run-{step}"),
                Signals = Signals(observation, last, task.PromptTokens),
            };
            StepResponse response;
            try
            {
                response = await pipeline.RunAsync(tenant, command, cancellationToken);
            }
            catch (StepFailure failure) when (failure.Kind == StepFailureKind.BudgetExhausted)
            {
                end = BudgetExhaustedEnd;
                break;
            }
            await emit(new RunTaskEvent { Step = response });
            agents.Add(simulator.AgentIndex(response.Decision.Model));
            observation = response.Content;
            trace.Clear();
            var result = runner.Run(task, new ReplayRouter(agents), id.Attempt, trace);
            last = trace[^1];
            if (result.End != EpisodeEnd.StoppedByRouter)
            {
                success = result.Success;
                end = SimulatedBackend.Describe(result.End);
                break;
            }
        }

        var finished = await tasks.CompleteAsync(tenant, new CompleteTaskRequest { TaskId = request.TaskId, Outcome = new Outcome { Success = success } }, cancellationToken);
        await emit(new RunTaskEvent { Finished = finished, End = end });
    }

    /// <summary>The in-process simulator's seed when the pool has an agent it serves (ListAgents reports it), else null.</summary>
    public ulong? SimulatorSeed(AgentCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return catalog.Ordered.Any(a => SimulatorEndpoint.IsSimulator(a.Endpoint)) ? simulator.Seed : null;
    }

    /// <summary>
    /// What an agent runtime knows about the last step: the tool's exit status (an error), whether the tool call was
    /// retried, the stated confidence. Taken from the simulator's observation of that step, the values the trainer's
    /// feature bridge (<c>SimulatorStepFeatures</c>) reads, rather than guessed from the rendered text. The context
    /// size is the simulated agent's own (prompt, then every output and tool observation so far) — what it bills and
    /// what the bridge's features count — which the rendered messages RunTask sends do not carry.
    /// </summary>
    private static StepSignals Signals(string observation, StepObservation? last, int promptTokens) => last is not { } o
        ? new StepSignals(ContextTokens: promptTokens)
        : new StepSignals(observation, LastStepFailed: o.IsError, ErrorObserved: o.IsError, Retried: o.Retries > 0, SelfConfidence: o.Confidence, RetryCount: o.Retries,
            ContextTokens: (long)o.InputTokens + o.OutputTokens + o.ObservationTokens);
}
