using System.Diagnostics;
using Routing.Simulation.Episodes;
using Routing.Simulation.Tasks;

namespace Routing.Simulation;

/// <summary>
/// Measures how many episodes per minute the simulator plays on this machine. For benchmarks and docs
/// only; tests never assert on it.
/// </summary>
public static class SimulatorThroughput
{
    /// <summary>
    /// Plays <paramref name="episodes"/> SALE-pool episodes (every domain and bin in turn, alternating
    /// always-smallest and always-largest) on all cores and returns episodes per minute.
    /// </summary>
    public static double EpisodesPerMinute(SimulatorModel model, int episodes, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(episodes, 1);
        var pool = model.SalePool;
        var runner = new EpisodeRunner(model, pool);
        var generator = new TaskGenerator(model, seed);
        var workers = Environment.ProcessorCount;
        var clock = Stopwatch.StartNew();
        Parallel.For(0, workers, worker =>
        {
            var small = new FixedAgentRouter(pool.Smallest);
            var large = new FixedAgentRouter(pool.Largest);
            for (var i = worker; i < episodes; i += workers)
            {
                var cell = i % (TaskSpace.DomainCount * TaskSpace.BinCount);
                var task = generator.Create((Domain)(cell / TaskSpace.BinCount), cell % TaskSpace.BinCount, i);
                runner.Run(task, (i & 1) == 0 ? small : large);
            }
        });
        return episodes / clock.Elapsed.TotalMinutes;
    }
}
