using System.Globalization;
using System.Security.Cryptography;
using Grpc.Core;
using Grpc.Net.Client;
using Routing.Cli.Bench;
using Routing.Contracts.Executor.V1;
using Routing.Contracts.Wire;
using Routing.Simulation;
using Routing.Simulation.Hosting;
using Routing.Simulation.Server;
using Routing.Training.Boundary;
using Routing.Training.Episodes;
using Routing.Training.Sft;

namespace Routing.Cli.Training;

/// <summary>Why executor-driven rollouts cannot go on (unreachable, refused key, budget, wrong pool or seed): a message for the user.</summary>
public sealed class ExecutorRolloutException(string message) : Exception(message);

/// <summary>
/// <c>routing train policy --via-executor</c>: plays the boundary rollouts as RunTask episodes with every step pinned to
/// the step pair's smallest (largest) agent, and the SFT sweep's episodes with RunTask's mixed strategy, so each one
/// takes the executor's whole step pipeline — policy bypassed, budget reserved and committed, backend called, episode
/// logged (reason <c>pinned</c>). Task <c>{domain}-{bin}-{index}.{attempt}~{run}_{small|large|mixK}</c> is the training
/// task and attempt the in-process rollouts play; the run label keeps the strategies, and this run's episodes from
/// earlier runs', apart.
/// </summary>
public sealed class ExecutorBoundarySource : IRolloutSource, IDisposable
{
    /// <summary>Per episode: far above any simulated episode's cost, so the hard limit never cuts a boundary run short.</summary>
    public const long EpisodeLimitMicros = ThroughServicesSettings.NonBindingLimitMicros;

    private readonly GrpcChannel _channel;
    private readonly ExecutorService.ExecutorServiceClient _client;
    private readonly Metadata _auth;
    private readonly string _address;
    private readonly string _small;
    private readonly string _large;
    private readonly string _run;

    private ExecutorBoundarySource(GrpcChannel channel, string address, Metadata auth, string tenant, string small, string large, int concurrency)
    {
        _channel = channel;
        _client = new ExecutorService.ExecutorServiceClient(channel);
        _address = address;
        _auth = auth;
        Tenant = tenant;
        _small = small;
        _large = large;
        Concurrency = concurrency;
        _run = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    }

    public string Tenant { get; }

    public int Concurrency { get; }

    public string Description => $"the executor at {_address} (tenant '{Tenant}', agents {_small}/{_large}, run label {_run})";

    /// <summary>
    /// Connects and checks the executor can play the training tasks: the key is accepted, its pool serves the simulator
    /// on the training seed (RunTask's task ids name tasks of that seed), and it has the step pair's two agents.
    /// </summary>
    public static async Task<ExecutorBoundarySource> ConnectAsync(string address, string apiKey, ulong seed, int concurrency, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ExecutorRolloutException($"--via-executor '{address}' is not an http:// or https:// address (e.g. http://127.0.0.1:5104, the executor's gRPC port)");
        }
        var channel = GrpcChannel.ForAddress(uri);
        try
        {
            var auth = new Metadata { { "authorization", $"Bearer {apiKey}" } };
            var client = new ExecutorService.ExecutorServiceClient(channel);
            ListAgentsResponse agents;
            try
            {
                agents = await client.ListAgentsAsync(new ListAgentsRequest(), auth, DateTime.UtcNow.AddSeconds(30), cancellationToken);
            }
            catch (RpcException e)
            {
                throw Explain(e, address, "ListAgents");
            }
            if (!agents.HasSimulatorSeed)
            {
                throw new ExecutorRolloutException($"the executor at {address} serves no simulated agents: RunTask plays the simulator's tasks, so --via-executor needs an executor whose pool is the in-process simulator (`routing up`, or Routing:AgentPool:UseSimulator / endpoint sim:)");
            }
            if (agents.SimulatorSeed != seed)
            {
                throw new ExecutorRolloutException(string.Create(CultureInfo.InvariantCulture,
                    $"the executor at {address} simulates the task set of seed {agents.SimulatorSeed}, training uses seed {seed}: start it with Routing__AgentPool__SimulatorSeed={seed} (e.g. `Routing__AgentPool__SimulatorSeed={seed} routing up`) or train with --seed {agents.SimulatorSeed}"));
            }
            var pair = SimulatorModel.Default.StepPair;
            string AgentServing(string model) => agents.Agents.FirstOrDefault(a => a.Model == model)?.Name
                ?? throw new ExecutorRolloutException($"the executor at {address} has no agent serving model '{model}' (the step pair the policy is trained on); its pool: {string.Join(", ", agents.Agents.Select(a => $"{a.Name} ({a.Model})"))}");
            return new ExecutorBoundarySource(channel, address, auth, agents.Tenant, AgentServing(pair[pair.Smallest].Name), AgentServing(pair[pair.Largest].Name), concurrency);
        }
        catch
        {
            channel.Dispose();
            throw;
        }
    }

    public BoundaryRecord[] Run(IReadOnlyList<TrainingTask> tasks, int attempts, double threshold, Action? taskDone, CancellationToken cancellationToken) =>
        RunAsync(tasks, attempts, threshold, taskDone, cancellationToken).GetAwaiter().GetResult();

    private async Task<BoundaryRecord[]> RunAsync(IReadOnlyList<TrainingTask> tasks, int attempts, double threshold, Action? taskDone, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        var success = new bool[tasks.Count, 2, attempts];
        var cost = new long[tasks.Count, 2, attempts];
        var left = Enumerable.Repeat(2 * attempts, tasks.Count).ToArray();
        // Episode e: task e / (2K), policy (small, large) then attempt; tasks finish roughly in order for the progress bar.
        await Parallel.ForAsync(0, tasks.Count * 2 * attempts, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken }, async (e, token) =>
        {
            var (t, policy, attempt) = (e / (2 * attempts), e / attempts % 2, e % attempts);
            var task = tasks[t].Task;
            var id = new SimTaskId(task.Domain, task.Bin, tasks[t].Index, attempt, policy == 0 ? _run + "_small" : _run + "_large").ToString();
            var request = new RunTaskRequest { TaskId = id, LimitMicros = EpisodeLimitMicros, Agent = policy == 0 ? _small : _large };
            (success[t, policy, attempt], cost[t, policy, attempt]) = await PlayAsync(request, token);
            if (Interlocked.Decrement(ref left[t]) == 0)
            {
                taskDone?.Invoke();
            }
        });

        var records = new BoundaryRecord[tasks.Count];
        for (var t = 0; t < tasks.Count; t++)
        {
            bool[] Successes(int p) => [.. Enumerable.Range(0, attempts).Select(a => success[t, p, a])];
            long[] Costs(int p) => [.. Enumerable.Range(0, attempts).Select(a => cost[t, p, a])];
            records[t] = new BoundaryRecord(tasks[t].Task, Successes(0), Costs(0), Successes(1), Costs(1), threshold);
        }
        return records;
    }

    public SweepOutcome PlayMixed(TrainingTask task, int level, double largeProbability, ulong seed, int attempt, CancellationToken cancellationToken)
    {
        var id = new SimTaskId(task.Task.Domain, task.Task.Bin, task.Index, attempt, EpisodeLogBoundary.SweepRunLabel(_run, level)).ToString();
        var request = new RunTaskRequest
        {
            TaskId = id, LimitMicros = EpisodeLimitMicros,
            Mixed = new MixedStrategy { SmallAgent = _small, LargeAgent = _large, LargeProbability = largeProbability, Seed = seed },
        };
        var (success, cost) = PlayAsync(request, cancellationToken).GetAwaiter().GetResult();
        return new SweepOutcome(success, cost);
    }

    /// <summary>One pinned (or mixed) episode; its outcome and what its ledger committed.</summary>
    private async Task<(bool Success, long CostMicros)> PlayAsync(RunTaskRequest request, CancellationToken cancellationToken)
    {
        var taskId = request.TaskId;
        try
        {
            using var call = _client.RunTask(request, _auth, cancellationToken: cancellationToken);
            await foreach (var e in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                if (e.Finished is not { } finished)
                {
                    continue;
                }
                if (e.End == SimulatedEpisodeRunner.BudgetExhaustedEnd)
                {
                    throw new ExecutorRolloutException(string.Create(CultureInfo.InvariantCulture,
                        $"budget exhausted: the executor refused a step of boundary episode {taskId} after {finished.Steps} steps ({finished.CommittedMicros} µ$ committed); a boundary rollout cut short would mislabel the task, so training stops (raise the tenant's budget)"));
                }
                return (finished.Outcome?.Success ?? false, finished.CommittedMicros);
            }
            throw new ExecutorRolloutException($"RunTask {taskId} on {_address} ended without a finished event");
        }
        catch (RpcException e)
        {
            throw Explain(e, _address, $"RunTask {taskId}");
        }
    }

    private static ExecutorRolloutException Explain(RpcException e, string address, string call) => e.StatusCode switch
    {
        StatusCode.Unavailable or StatusCode.DeadlineExceeded =>
            new ExecutorRolloutException($"executor unreachable at {address} ({call}): {e.Status.Detail} (is `routing up` running? --via-executor names the executor's gRPC address, port 5104 by default)"),
        StatusCode.Unauthenticated =>
            new ExecutorRolloutException($"authentication failed: the executor at {address} refused the API key ({e.Status.Detail}); pass a tenant's key with --api-key or ROUTING_API_KEY"),
        StatusCode.FailedPrecondition when e.Trailers.GetValue(RoutingTrailers.RemainingMicros) is { } remaining =>
            new ExecutorRolloutException($"budget exhausted: {call} refused ({e.Status.Detail}; {remaining} µ$ left)"),
        _ => new ExecutorRolloutException($"{call} failed on the executor at {address}: {e.StatusCode}: {e.Status.Detail}"),
    };

    public void Dispose() => _channel.Dispose();
}
