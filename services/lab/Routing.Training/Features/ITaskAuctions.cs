using Routing.Features;
using Routing.Simulation.Tasks;

namespace Routing.Training.Features;

/// <summary>
/// SALE auctions on simulated tasks, for training and benchmarking a step policy that sees the auction's outcome
/// (feature slots 20–22), as a served policy does when the executor auctions a task on open. docs/design.md §2.3: the two
/// methods compose — the auction's verdict on the task reaches the step router as features. Implementations run
/// their auctions before training or the benchmark reads them; the readers are parallel and synchronous.
/// </summary>
public interface ITaskAuctions
{
    /// <summary>What the source is (pool, weights, share of tasks auctioned), for reports and provenance.</summary>
    string Description { get; }

    /// <summary>The task's auction outcome; null when the task was not auctioned (the policy then sees none).</summary>
    AuctionOutcome? For(in SimTask task);

    /// <summary>What the task's auction cost (its bid and jury calls), in µ$; 0 when it was not auctioned.</summary>
    long CostMicros(in SimTask task);
}
