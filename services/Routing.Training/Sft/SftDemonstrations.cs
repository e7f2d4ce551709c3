using Routing.Simulation.Episodes;
using Routing.Simulation.Sampling;
using Routing.Training.Boundary;
using Routing.Training.Pipeline;
using Routing.Training.Rollouts;

namespace Routing.Training.Sft;

/// <summary>One candidate trajectory of the hard-task sweep: did it succeed, and what did it cost.</summary>
public readonly record struct SweepOutcome(bool Success, long CostMicros);

/// <summary>
/// Boundary-guided SFT data (DESIGN.md §2.1): easy and intractable tasks are demonstrated by always-small
/// ("fail cheaply"); a hard task by the cheapest successful trajectory of a sweep over P(large) = k/N,
/// k = 0..N, taken at the first level whose success rate over the K attempts reaches the taxonomy threshold
/// (falling back to a successful always-large run, then to none). Samples are weighted so that each
/// class carries its configured share of the loss (stratification).
/// </summary>
public static class SftDemonstrations
{
    /// <summary>Index of the cheapest successful outcome (the earliest on ties), or −1 when none succeeded.</summary>
    public static int CheapestSuccess(IReadOnlyList<SweepOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var best = -1;
        for (var i = 0; i < outcomes.Count; i++)
        {
            if (outcomes[i].Success && (best < 0 || outcomes[i].CostMicros < outcomes[best].CostMicros))
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>The demonstration steps of one task (empty when a hard task has no successful trajectory).</summary>
    public static List<StepSample> ForTask(EpisodeRunner runner, BoundaryRecord record, int sweepLevels, double threshold, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(record);
        var samples = new List<StepSample>();
        if (record.Class != DifficultyClass.Hard)
        {
            runner.Run(record.Task, new RecordingRouter(new FixedAgentRouter(runner.Pool.Smallest), samples), attempt: 0);
            return samples;
        }

        // Each level k runs on all K attempts; the demonstration is the cheapest success of the cheapest level
        // that succeeds as reliably as the taxonomy demands. A single lucky cheap run (on a task always-small
        // fails most of the time) would otherwise teach "small" on exactly the tasks that need the large model.
        for (var k = 0; k <= sweepLevels; k++)
        {
            var outcomes = new List<SweepOutcome>(record.Attempts);
            var recordings = new List<List<StepSample>>(record.Attempts);
            var successes = 0;
            for (var attempt = 0; attempt < record.Attempts; attempt++)
            {
                var recording = new List<StepSample>();
                var mixedSeed = Xoshiro256.Mix(Xoshiro256.Mix(Xoshiro256.Mix(seed, record.Task.Seed), (ulong)k), (ulong)attempt);
                var result = runner.Run(record.Task, new RecordingRouter(new MixedRouter((double)k / sweepLevels, mixedSeed), recording), attempt);
                outcomes.Add(new SweepOutcome(result.Success, result.CostMicros));
                recordings.Add(recording);
                successes += result.Success ? 1 : 0;
            }

            if ((double)successes / record.Attempts >= threshold)
            {
                return recordings[CheapestSuccess(outcomes)];
            }
        }

        var largeAttempt = Array.IndexOf(record.LargeSuccess, true);
        if (largeAttempt >= 0)
        {
            runner.Run(record.Task, new RecordingRouter(new FixedAgentRouter(runner.Pool.Largest), samples), largeAttempt);
        }

        return samples;
    }

    /// <summary>Builds the whole data set in task order (parallel over tasks) and sets the stratification weights.</summary>
    public static List<StepSample> Build(EpisodeRunner runner, IReadOnlyList<BoundaryRecord> records, SftConfig config, double threshold, ulong seed, int threads)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(config);
        var perTask = new List<StepSample>[records.Count];
        Parallel.For(0, records.Count, new ParallelOptions { MaxDegreeOfParallelism = threads },
            i => perTask[i] = ForTask(runner, records[i], config.SweepLevels, threshold, seed));
        return Stratify(perTask, records.Select(r => r.Class).ToList(), config);
    }

    /// <summary>
    /// Flattens per-task demonstrations in task order and weighs each sample so that every class carries its
    /// configured share of the loss (weights rescaled to mean 1).
    /// </summary>
    public static List<StepSample> Stratify(IReadOnlyList<List<StepSample>> perTask, IReadOnlyList<DifficultyClass> classes, SftConfig config)
    {
        ArgumentNullException.ThrowIfNull(perTask);
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(config);
        var counts = new int[3];
        for (var i = 0; i < perTask.Count; i++)
        {
            counts[(int)classes[i]] += perTask[i].Count;
        }

        double[] shares = [config.ClassShares.Easy, config.ClassShares.Hard, config.ClassShares.Intractable];
        var all = new List<StepSample>();
        for (var i = 0; i < perTask.Count; i++)
        {
            var c = (int)classes[i];
            // Each class's samples together weigh share_c (normalised by the present classes) times the data set size.
            var weight = counts[c] > 0 ? (float)(shares[c] / counts[c]) : 0f;
            foreach (var s in perTask[i])
            {
                s.Weight = weight;
                all.Add(s);
            }
        }

        var total = 0.0;
        foreach (var s in all)
        {
            total += s.Weight;
        }

        if (total > 0)
        {
            foreach (var s in all)
            {
                s.Weight = (float)(s.Weight * all.Count / total);
            }
        }

        return all;
    }
}
