using System.Globalization;
using System.Text.RegularExpressions;
using Routing.Backends.Simulator;
using Routing.Contracts.Executor.V1;
using Routing.Executor.Pipeline;
using Routing.Executor.Tasks;
using Routing.Simulation.Episodes;
using Routing.Simulation.Server;
using ChatMessage = Routing.Backends.ChatMessage;

namespace Routing.Executor.Episodes;

/// <summary>
/// <c>RunTask</c>: plays one simulated task to its end through the ordinary step pipeline (routing, budget,
/// backend, log), the way an agent runtime would, and reports the episode's outcome as the simulator scored it.
/// The episode ends when the simulator says so (solved, wrong answer, stuck, horizon) or when the budget refuses
/// a step; the end is read by replaying the agents chosen so far on the simulator's own episode runner, which is
/// deterministic and so sees exactly the episode the backend played.
/// </summary>
public sealed partial class SimulatedEpisodeRunner(StepPipeline pipeline, TaskOperations tasks, IServiceProvider services)
{
    public async Task RunAsync(string tenant, RunTaskRequest request, Func<RunTaskEvent, Task> emit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(emit);
        if (!SimTaskId.TryParse(request.TaskId, out var id, out var reason))
        {
            throw StepFailure.Invalid("task_id", $"must name a simulated task: {reason}");
        }
        if (pipeline.Catalog.Ordered.Any(a => !SimulatorChatBackend.IsSimulator(a.Endpoint)))
        {
            throw new StepFailure(StepFailureKind.TaskClosed, "RunTask plays simulated tasks and needs a pool of in-process simulator agents (Routing:AgentPool:UseSimulator)");
        }
        var simulator = services.GetRequiredService<SimulatedBackend>();
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
        var success = false;
        for (var step = 0; step < task.Horizon; step++)
        {
            var command = new StepCommand
            {
                TaskId = request.TaskId,
                Messages = observation.Length == 0
                    ? [new ChatMessage("user", taskText)]
                    : [new ChatMessage("user", taskText), new ChatMessage("tool", observation)],
                MaxTokens = request.MaxTokens,
                CostPreference = request.HasCostPreference ? request.CostPreference : null,
                IdempotencyKey = string.Create(CultureInfo.InvariantCulture, $"run-{step}"),
                Signals = Signals(observation),
            };
            StepResponse response;
            try
            {
                response = await pipeline.RunAsync(tenant, command, cancellationToken);
            }
            catch (StepFailure failure) when (failure.Kind == StepFailureKind.BudgetExhausted)
            {
                break;
            }
            await emit(new RunTaskEvent { Step = response });
            agents.Add(simulator.AgentIndex(response.Decision.Model));
            observation = response.Content;
            var result = runner.Run(task, new ReplayRouter(agents), id.Attempt);
            if (result.End != EpisodeEnd.StoppedByRouter)
            {
                success = result.Success;
                break;
            }
        }

        var finished = await tasks.CompleteAsync(tenant, new CompleteTaskRequest { TaskId = request.TaskId, Outcome = new Outcome { Success = success } }, cancellationToken);
        await emit(new RunTaskEvent { Finished = finished });
    }

    /// <summary>What an agent runtime would read off the last answer: an error in the tool output, the stated confidence.</summary>
    private static Pipeline.StepSignals Signals(string observation)
    {
        if (observation.Length == 0)
        {
            return Pipeline.StepSignals.None;
        }
        var confidence = Confidence().Match(observation);
        var error = ErrorMarker().IsMatch(observation);
        return new Pipeline.StepSignals(
            observation,
            LastStepFailed: error,
            ErrorObserved: error,
            SelfConfidence: confidence.Success ? double.Parse(confidence.Groups[1].Value, CultureInfo.InvariantCulture) : null);
    }

    [GeneratedRegex(@"Confidence: (0(?:\.\d+)?|1(?:\.0+)?)\b")]
    private static partial Regex Confidence();

    [GeneratedRegex(@"\b(Error|Traceback|FAILED|failed|exception)\b")]
    private static partial Regex ErrorMarker();
}
