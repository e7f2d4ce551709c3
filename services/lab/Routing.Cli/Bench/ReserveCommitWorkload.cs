using System.Diagnostics;

namespace Routing.Cli.Bench;

/// <summary>What one timed phase of reserve → commit cycles measured.</summary>
public sealed record PhaseResult(string Client, long Cycles, long Refused, long Errors, TimeSpan Elapsed, double P50Ms, double P99Ms, long OverspendMicros, int LedgerMismatches)
{
    public double CyclesPerSecond => Cycles / Elapsed.TotalSeconds;
}

/// <summary>
/// Many concurrent callers, each looping reserve → commit on random tasks with random amounts, for a fixed
/// time. Afterwards every task's ledger is checked against the limit and against what the callers committed.
/// </summary>
public sealed class ReserveCommitWorkload(int callers, int tasks, long limitMicros, int seed)
{
    public async Task<PhaseResult> RunAsync(ILedgerClient client, string runId, TimeSpan duration, Action<double>? progress = null)
    {
        var taskIds = new string[tasks];
        for (var i = 0; i < tasks; i++)
        {
            taskIds[i] = $"{runId}-{client.Name}-t{i}";
            await client.OpenTaskAsync(taskIds[i], limitMicros);
        }

        var committedByTask = new long[tasks];
        var latencies = new List<long>[callers];
        long cycles = 0, refused = 0, errors = 0;
        var stopwatch = Stopwatch.StartNew();
        var deadline = duration;
        using var ticker = progress is null ? null : new Timer(_ => progress(Math.Min(1, stopwatch.Elapsed / deadline)), null, 0, 200);

        async Task Caller(int caller)
        {
            var random = new Random(seed + caller);
            var mine = latencies[caller] = new List<long>(4096);
            var sequence = 0;
            while (stopwatch.Elapsed < deadline)
            {
                var task = random.Next(tasks);
                var amount = random.Next(100, 5_000);
                var actual = random.Next(0, amount + 1);
                var started = Stopwatch.GetTimestamp();
                try
                {
                    var reservation = await client.ReserveAsync(taskIds[task], amount, $"{runId}-{caller}-{sequence++}");
                    if (reservation is null)
                    {
                        Interlocked.Increment(ref refused);
                        continue;
                    }
                    await client.CommitAsync(taskIds[task], reservation, actual);
                    Interlocked.Add(ref committedByTask[task], actual);
                    Interlocked.Increment(ref cycles);
                    mine.Add(Stopwatch.GetTimestamp() - started);
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }

        var workers = new Task[callers];
        for (var caller = 0; caller < callers; caller++)
        {
            var index = caller;
            workers[caller] = Task.Run(() => Caller(index));
        }
        await Task.WhenAll(workers);
        var elapsed = stopwatch.Elapsed;
        progress?.Invoke(1);

        long overspend = 0;
        var mismatches = 0;
        for (var i = 0; i < tasks; i++)
        {
            var (committed, reserved) = await client.GetTaskAsync(taskIds[i]);
            overspend += Math.Max(0, committed + reserved - limitMicros);
            if (committed != committedByTask[i] || reserved != 0)
            {
                mismatches++;
            }
        }

        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        return new PhaseResult(client.Name, cycles, refused, errors, elapsed, Percentile(all, 0.50), Percentile(all, 0.99), overspend, mismatches);
    }

    private static double Percentile(long[] sortedTicks, double quantile)
    {
        if (sortedTicks.Length == 0)
        {
            return 0;
        }
        var index = (int)Math.Min(sortedTicks.Length - 1, Math.Ceiling(quantile * sortedTicks.Length) - 1);
        return sortedTicks[Math.Max(0, index)] * 1000.0 / Stopwatch.Frequency;
    }
}
