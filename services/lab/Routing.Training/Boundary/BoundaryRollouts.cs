using Routing.Simulation.Episodes;
using Routing.Simulation.Tasks;

namespace Routing.Training.Boundary;

/// <summary>Runs always-small and always-large K times (attempts 0..K−1) on every task, in parallel, deterministically.</summary>
public static class BoundaryRollouts
{
    public static BoundaryRecord[] Run(EpisodeRunner runner, IReadOnlyList<SimTask> tasks, int attempts, double threshold, int threads, Action<int>? taskDone = null)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(tasks);
        var records = new BoundaryRecord[tasks.Count];
        var small = new FixedAgentRouter(runner.Pool.Smallest);
        var large = new FixedAgentRouter(runner.Pool.Largest);
        Parallel.For(0, tasks.Count, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
        {
            var task = tasks[i];
            var ss = new bool[attempts];
            var sc = new long[attempts];
            var ls = new bool[attempts];
            var lc = new long[attempts];
            for (var a = 0; a < attempts; a++)
            {
                var s = runner.Run(task, small, a);
                var l = runner.Run(task, large, a);
                (ss[a], sc[a], ls[a], lc[a]) = (s.Success, s.CostMicros, l.Success, l.CostMicros);
            }

            records[i] = new BoundaryRecord(task, ss, sc, ls, lc, threshold);
            taskDone?.Invoke(i);
        });
        return records;
    }

    /// <summary>Tasks per class, in <see cref="DifficultyClass"/> order.</summary>
    public static int[] ClassCounts(IReadOnlyList<BoundaryRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var counts = new int[3];
        foreach (var r in records)
        {
            counts[(int)r.Class]++;
        }

        return counts;
    }
}
