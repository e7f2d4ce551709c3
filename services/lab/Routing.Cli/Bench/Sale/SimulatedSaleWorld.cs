using Routing.Backends;
using Routing.Backends.Pool;
using Routing.Sale.Auction;
using Routing.Sale.Scoring;
using Routing.Sale.Training;
using Routing.Sale.Weights;
using Routing.Simulation;
using Routing.Simulation.Agents;
using Routing.Simulation.Episodes;
using Routing.Simulation.Hosting;
using Routing.Simulation.Server;
using Routing.Simulation.Tasks;

namespace Routing.Cli.Bench.Sale;

/// <summary>
/// The SALE pool on the in-process simulator for one task seed: auction agents (bids, jury, refinement through
/// <see cref="SimulatorChatBackend"/>, the same answers as <c>routing sim serve</c>) and the episode the winner
/// then plays. The auction sees only what the backend returns; the hidden difficulty stays in the simulator.
/// </summary>
public sealed class SimulatedSaleWorld
{
    private readonly SimulatedBackend _simulated;
    private readonly EpisodeRunner _runner;

    /// <param name="pool">The auction's agents; default the SALE pool.</param>
    public SimulatedSaleWorld(SimulatorModel model, ulong seed, AgentPool? pool = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Pool = pool ?? model.SalePool;
        Tasks = new TaskGenerator(model, seed);
        _simulated = new SimulatedBackend(model, seed, maxTasks: 1);
        _runner = new EpisodeRunner(model, Pool);
        var backend = new SimulatorChatBackend(_simulated);
        var agents = new AuctionAgent[Pool.Count];
        for (var i = 0; i < Pool.Count; i++)
        {
            var p = Pool[i];
            agents[i] = new AuctionAgent(new AgentDefinition(p.Name, SimulatorEndpoint.Endpoint, p.Name, p.PriceInMicrosPerMTok, p.PriceOutMicrosPerMTok, i, p.MaxOutputTokens, null), backend);
        }

        Agents = agents;
    }

    public AgentPool Pool { get; }

    public TaskGenerator Tasks { get; }

    public IReadOnlyList<AuctionAgent> Agents { get; }

    /// <summary>The simulator's task id (<see cref="SimTaskId"/>'s text) of a task's first attempt.</summary>
    public static string TaskId(Domain domain, int bin, long index) => new SimTaskId(domain, bin, index, Attempt: 0).ToString();

    public AuctionRequest Request(string tenant, string auctionId, in SimTask task, string taskId) => new()
    {
        Tenant = tenant,
        AuctionId = auctionId,
        TaskId = taskId,
        TaskText = task.Describe(),
        Domain = TaskSpace.Name(task.Domain),
        Agents = Agents,
    };

    /// <summary>Plays the task with the winner on every step; a refined winning plan gives the simulator's plan bonus.</summary>
    public EpisodeResult Play(in SimTask task, AuctionResult auction)
    {
        ArgumentNullException.ThrowIfNull(auction);
        var agent = Pool.IndexOf(auction.Winner);
        var bonus = auction.WinnerRefined ? _simulated.Sale.PlanBonus(task, _simulated.AgentIndex(auction.Winner), auction.WinnerPlan) : 0;
        return _runner.Run(task, new FixedAgentRouter(agent), attempt: 0, trace: null, skillBonus: bonus);
    }

    /// <summary>Plays the task with one agent alone (training outcomes, the largest-agent baseline).</summary>
    public EpisodeResult PlayAlone(in SimTask task, int agent) => _runner.Run(task, new FixedAgentRouter(agent));

    /// <summary>
    /// Training tasks for the weight fit: per task, every agent's first-round bid features (bids and jury, no
    /// memory) and the agents that solve the task when they run it alone.
    /// </summary>
    public async Task<List<TrainingTask>> CollectTrainingAsync(int tasksPerCell, Action<int, int>? progress, CancellationToken cancellationToken)
    {
        var engine = new AuctionEngine(new FixedSaleWeights(SaleWeights.Untrained(Agents.Select(a => a.Name))), memory: null, new AuctionOptions { Refinement = false });
        var cells = TaskSpace.DomainCount * TaskSpace.BinCount;
        var tasks = new TrainingTask[cells * tasksPerCell];
        var done = 0;
        await Parallel.ForAsync(0, tasks.Length, cancellationToken, async (i, ct) =>
        {
            var (domain, bin, index) = TaskSpace.CellMajor(i, tasksPerCell);
            var task = Tasks.Create(domain, bin, index);
            var id = TaskId(domain, bin, index);
            var auction = await engine.RunAsync(Request("train", "train-" + id, task, id), ct).ConfigureAwait(false);
            var solvers = new List<string>();
            for (var a = 0; a < Pool.Count; a++)
            {
                if (PlayAlone(task, a).Success)
                {
                    solvers.Add(Pool[a].Name);
                }
            }

            tasks[i] = new TrainingTask
            {
                TaskId = id,
                Domain = TaskSpace.Name(domain),
                Bids = [.. auction.Bids.Where(b => b.Valid).Select(b => b.Features!)],
                Solvers = solvers,
            };
            progress?.Invoke(Interlocked.Increment(ref done), tasks.Length);
        }).ConfigureAwait(false);
        return [.. tasks];
    }

    /// <summary>Fits weights for the terms of a variant on training tasks.</summary>
    public FitResult Fit(IReadOnlyList<TrainingTask> training, ScoringTerms terms, TimeSpan timeLimit, string version) =>
        SaleWeightFitter.Fit(training, [.. Agents.Select(a => a.Name)], new FitOptions { Terms = terms, TimeLimit = timeLimit, Version = version });
}
