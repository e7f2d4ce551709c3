using System.Collections.Concurrent;
using System.Globalization;
using Routing.Cli.Output;
using Routing.Features;
using Routing.Sale.Auction;
using Routing.Sale.Scoring;
using Routing.Sale.Weights;
using Routing.Simulation;
using Routing.Simulation.Sampling;
using Routing.Simulation.Tasks;
using Routing.Training.Features;

namespace Routing.Cli.Bench.Sale;

/// <summary>
/// SALE auctions on the step pair for simulated tasks (<see cref="ITaskAuctions"/>): every agent of the pair bids and
/// both judge both plans through the in-process simulator backend (the answers <c>routing sim serve</c> gives), scored
/// with the untrained weights an executor without a weights file uses, no memory; the outcome is summarised exactly as
/// the executor summarises it for the step features (<see cref="AuctionSummary"/>). A deterministic share of the tasks
/// is auctioned, so a policy trained on them also serves tasks that had no auction.
/// </summary>
public sealed class StepPairAuctions : ITaskAuctions
{
    private readonly ConcurrentDictionary<(ulong Seed, long Id), (AuctionOutcome Outcome, long CostMicros)> _outcomes = new();
    private readonly SimulatorModel _model;
    private readonly double _share;
    private readonly string? _domain;

    /// <param name="share">Share of tasks auctioned, in [0, 1].</param>
    /// <param name="domain">
    /// The domain the auction prompts name; null: the task's own. An executor auctioning on open names its
    /// <c>Routing:Executor:Sale:DefaultDomain</c> instead, and the simulated jury's noise follows the prompt's text, so a
    /// comparison with such an executor passes the same value.
    /// </param>
    public StepPairAuctions(SimulatorModel model, double share, string? domain = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(share, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(share, 1);
        _model = model;
        _share = share;
        _domain = domain;
    }

    public string Description => string.Create(CultureInfo.InvariantCulture,
        $"SALE on the step pair ({_model.StepPair[_model.StepPair.Smallest].Name} / {_model.StepPair[_model.StepPair.Largest].Name}; untrained weights, bids and one jury round, no memory) on {_share:P0} of the tasks");

    /// <summary>Whether a task is auctioned: a fixed function of the task, so training, validation and reruns agree.</summary>
    public bool Selected(in SimTask task) =>
        _share >= 1 || (_share > 0 && new Xoshiro256(Xoshiro256.Mix(task.Seed, 0x4155435449_4F4EUL)).NextDouble() < _share);

    /// <summary>Runs the auctions of the selected tasks of one task set (seed, tasks per cell, cell-major as everywhere).</summary>
    public async Task PrepareAsync(ulong seed, int tasksPerCell, Action<int, int>? progress, CancellationToken cancellationToken)
    {
        var world = new SimulatedSaleWorld(_model, seed, _model.StepPair);
        var agents = world.Agents.Select(a => a.Definition).ToList();
        var engine = new AuctionEngine(new FixedSaleWeights(SaleWeights.Untrained(agents.Select(a => a.Name))), memory: null, new AuctionOptions { Refinement = false });
        var total = TaskSpace.DomainCount * TaskSpace.BinCount * tasksPerCell;
        var done = 0;
        await Parallel.ForAsync(0, total, cancellationToken, async (i, ct) =>
        {
            var (domain, bin, index) = TaskSpace.CellMajor(i, tasksPerCell);
            var task = world.Tasks.Create(domain, bin, index);
            if (Selected(task))
            {
                var id = SimulatedSaleWorld.TaskId(domain, bin, index);
                var request = world.Request("training", string.Create(CultureInfo.InvariantCulture, $"step-{seed}-{id}"), task, id);
                var result = await engine.RunAsync(_domain is null ? request : request with { Domain = _domain }, ct).ConfigureAwait(false);
                _outcomes[(task.Seed, task.Id)] = (AuctionSummary.Of(result, agents), result.Overhead.CostMicros);
            }

            progress?.Invoke(Interlocked.Increment(ref done), total);
        }).ConfigureAwait(false);
    }

    /// <summary>Runs the auctions of several task sets, a progress bar per set on standard error.</summary>
    public Task PrepareWithProgressAsync(IEnumerable<(ulong Seed, int TasksPerCell, string Label)> sets, CancellationToken cancellationToken) =>
        StandardErrorProgress.Create().StartAsync(async context =>
        {
            foreach (var (seed, tasksPerCell, label) in sets)
            {
                var bar = context.AddTask($"auctions on the {label} tasks (step pair)", maxValue: 1);
                await PrepareAsync(seed, tasksPerCell, (done, total) => { bar.MaxValue = total; bar.Value = done; }, cancellationToken).ConfigureAwait(false);
                bar.StopTask();
            }
        });

    public AuctionOutcome? For(in SimTask task) => _outcomes.TryGetValue((task.Seed, task.Id), out var o) ? o.Outcome : null;

    public long CostMicros(in SimTask task) => _outcomes.TryGetValue((task.Seed, task.Id), out var o) ? o.CostMicros : 0;
}
