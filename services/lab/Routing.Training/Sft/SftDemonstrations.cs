using Routing.Simulation.Episodes;
using Routing.Simulation.Sampling;
using Routing.Training.Boundary;
using Routing.Training.Pipeline;
using Routing.Training.Features;
using Routing.Training.Rollouts;

namespace Routing.Training.Sft;

/// <summary>One candidate trajectory of the hard-task sweep: did it succeed, and what did it cost.</summary>
public readonly record struct SweepOutcome(bool Success, long CostMicros);

/// <summary>
/// Boundary-guided SFT data (docs/design.md §2.1.4): easy and intractable tasks are demonstrated by always-small
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
    /// <param name="play">
    /// Plays the hard-task sweep's episodes elsewhere (level, P(large), mixed seed, attempt → outcome); null plays them
    /// in-process. The chosen trajectory's steps are then recorded by replaying it in-process (same seed, same choices),
    /// which must end as it ended there.
    /// </param>
    public static List<StepSample> ForTask(EpisodeRunner runner, BoundaryRecord record, int sweepLevels, double threshold, ulong seed, Func<int, double, ulong, int, SweepOutcome>? play = null, ITaskAuctions? auctions = null)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(record);
        var samples = new List<StepSample>();
        if (record.Class != DifficultyClass.Hard)
        {
            runner.Run(record.Task, new RecordingRouter(new FixedAgentRouter(runner.Pool.Smallest), samples, auctions), attempt: 0);
            return samples;
        }

        // Each level k runs on all K attempts; the demonstration is the cheapest success of the cheapest level
        // that succeeds as reliably as the taxonomy demands. A single lucky cheap run (on a task always-small
        // fails most of the time) would otherwise teach "small" on exactly the tasks that need the large model.
        for (var k = 0; k <= sweepLevels; k++)
        {
            var p = (double)k / sweepLevels;
            var outcomes = new List<SweepOutcome>(record.Attempts);
            var recordings = new List<List<StepSample>>(record.Attempts);
            var successes = 0;
            for (var attempt = 0; attempt < record.Attempts; attempt++)
            {
                var recording = new List<StepSample>();
                var mixedSeed = MixedSeed(seed, record, k, attempt);
                SweepOutcome outcome;
                if (play is null)
                {
                    var result = runner.Run(record.Task, new RecordingRouter(new MixedRouter(p, mixedSeed), recording, auctions), attempt);
                    outcome = new SweepOutcome(result.Success, result.CostMicros);
                }
                else
                {
                    // P(large) 0 and 1 are always-small and always-large on the same attempt: the boundary episodes, played already.
                    outcome = k == 0 ? new SweepOutcome(record.SmallSuccess[attempt], record.SmallCost[attempt])
                        : k == sweepLevels ? new SweepOutcome(record.LargeSuccess[attempt], record.LargeCost[attempt])
                        : play(k, p, mixedSeed, attempt);
                }
                outcomes.Add(outcome);
                recordings.Add(recording);
                successes += outcome.Success ? 1 : 0;
            }

            if ((double)successes / record.Attempts >= threshold)
            {
                var best = CheapestSuccess(outcomes);
                return play is null ? recordings[best] : Replay(runner, record, p, MixedSeed(seed, record, k, best), best, outcomes[best], auctions);
            }
        }

        var largeAttempt = Array.IndexOf(record.LargeSuccess, true);
        if (largeAttempt >= 0)
        {
            runner.Run(record.Task, new RecordingRouter(new FixedAgentRouter(runner.Pool.Largest), samples, auctions), largeAttempt);
        }

        return samples;
    }

    /// <summary>Builds the whole data set in task order (parallel over tasks) and sets the stratification weights.</summary>
    /// <param name="sweep">Plays the hard tasks' sweep episodes elsewhere (task index, level, P(large), seed, attempt); null: in-process.</param>
    public static List<StepSample> Build(
        EpisodeRunner runner, IReadOnlyList<BoundaryRecord> records, SftConfig config, double threshold, ulong seed, int threads,
        Func<int, int, double, ulong, int, SweepOutcome>? sweep = null, ITaskAuctions? auctions = null)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(config);
        var perTask = new List<StepSample>[records.Count];
        Parallel.For(0, records.Count, new ParallelOptions { MaxDegreeOfParallelism = threads },
            i => perTask[i] = ForTask(runner, records[i], config.SweepLevels, threshold, seed,
                sweep is null ? null : (k, p, s, a) => sweep(i, k, p, s, a), auctions));
        return Stratify(perTask, records.Select(r => r.Class).ToList(), config);
    }

    private static ulong MixedSeed(ulong seed, BoundaryRecord record, int level, int attempt) =>
        Xoshiro256.Mix(Xoshiro256.Mix(Xoshiro256.Mix(seed, record.Task.Seed), (ulong)level), (ulong)attempt);

    /// <summary>The steps of a sweep episode played elsewhere, recorded by replaying it here; it must end as it ended there.</summary>
    private static List<StepSample> Replay(EpisodeRunner runner, BoundaryRecord record, double largeProbability, ulong mixedSeed, int attempt, SweepOutcome played, ITaskAuctions? auctions)
    {
        var samples = new List<StepSample>();
        var result = runner.Run(record.Task, new RecordingRouter(new MixedRouter(largeProbability, mixedSeed), samples, auctions), attempt);
        if (result.Success != played.Success || result.CostMicros != played.CostMicros)
        {
            throw new InvalidOperationException(
                $"a sweep episode (P(large) {largeProbability}, attempt {attempt}) ended {played} where it was played but replays in-process as {new SweepOutcome(result.Success, result.CostMicros)}: it was not played on the simulator this training runs");
        }
        return samples;
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
