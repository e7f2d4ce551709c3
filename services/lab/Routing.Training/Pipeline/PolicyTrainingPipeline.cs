using System.Diagnostics;
using Routing.Features;
using Routing.Onnx;
using Routing.Simulation;
using Routing.Simulation.Benchmark;
using Routing.Simulation.Episodes;
using Routing.Simulation.Tasks;
using Routing.Training.Boundary;
using Routing.Training.Bopo;
using Routing.Training.Features;
using Routing.Training.Network;
using Routing.Training.Rollouts;
using Routing.Training.Sft;

namespace Routing.Training.Pipeline;

/// <summary>
/// <c>routing train policy</c> end to end on the simulator's step pair: boundary rollouts → taxonomy →
/// boundary-guided SFT → BoPO (and the requested ablations) → greedy validation. Every random choice derives
/// from <see cref="TrainingConfig.Seed"/>, so a configuration always yields the same weights.
/// </summary>
public static class PolicyTrainingPipeline
{
    /// <summary>The name of the SFT-only policy in <see cref="TrainingResult.Policies"/>.</summary>
    public const string SftOnlyName = "sft-only";

    /// <param name="rollouts">
    /// Plays the boundary rollouts and the SFT sweep's episodes instead of this process (through the executor); the
    /// demonstration steps are recorded by replaying the chosen episodes in-process, and BoPO and validation run
    /// in-process on the simulator. Null: every stage in-process.
    /// </param>
    public static TrainingResult Run(
        TrainingConfig config, IReadOnlyList<BopoVariant> variants, ITrainingReporter? reporter = null, CancellationToken cancellationToken = default,
        IRolloutSource? rollouts = null, ITaskAuctions? auctions = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(variants);
        var problems = Validate(config);
        if (config.AuctionShare > 0 && auctions is null)
        {
            problems.Add($"auction_share {config.AuctionShare} needs the auctions of the training and validation tasks (an auction source); set auction_share 0 to train without");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(config));
        }

        var clock = Stopwatch.StartNew();
        var model = SimulatorModel.Default;
        var runner = new EpisodeRunner(model, model.StepPair);
        var training = Tasks(model, config.Seed, config.TrainingTasksPerCell);
        var validation = Tasks(model, config.Seed + 1, config.ValidationTasksPerCell);
        var threads = config.Threads;
        var addressed = Addressed(training, config);

        BoundaryRecord[] records;
        if (rollouts is null)
        {
            reporter?.BeginStage($"boundary rollouts (always-small/always-large ×{config.BoundaryAttempts})", training.Count);
            records = BoundaryRollouts.Run(runner, training, config.BoundaryAttempts, config.TaxonomyThreshold, threads, _ => reporter?.Advance());
        }
        else
        {
            reporter?.BeginStage($"boundary rollouts (always-small/always-large ×{config.BoundaryAttempts}) through {rollouts.Description}", training.Count);
            records = rollouts.Run(addressed, config.BoundaryAttempts, config.TaxonomyThreshold, () => reporter?.Advance(), cancellationToken);
            if (records.Length != training.Count || records.Where((r, i) => r.Task.Seed != training[i].Seed || r.Attempts != config.BoundaryAttempts).Any())
            {
                throw new InvalidOperationException($"{rollouts.Description} returned boundary records that are not the {training.Count} training tasks × {config.BoundaryAttempts} attempts");
            }
            reporter?.Message($"boundary rollouts and the SFT sweep run through {rollouts.Description}; BoPO's group rollouts and validation run in-process on the simulator");
        }

        if (auctions is not null)
        {
            reporter?.Message($"auction outcomes in the features: {auctions.Description} (training and validation tasks; the auction's own cost is outside the episode cost BoPO sees, the same for every rollout of a task)");
        }

        var counts = BoundaryRollouts.ClassCounts(records);
        reporter?.Message($"difficulty taxonomy of {records.Length} training tasks: easy {counts[0]}, hard {counts[1]}, intractable {counts[2]}");

        reporter?.BeginStage("boundary-guided SFT demonstrations", 1);
        var data = rollouts is null
            ? SftDemonstrations.Build(runner, records, config.Sft, config.TaxonomyThreshold, Derive(config.Seed, 1), threads, auctions: auctions)
            : SftDemonstrations.Build(runner, records, config.Sft, config.TaxonomyThreshold, Derive(config.Seed, 1), Math.Max(threads, rollouts.Concurrency),
                (i, k, p, seed, attempt) => rollouts.PlayMixed(addressed[i], k, p, seed, attempt, cancellationToken), auctions);
        reporter?.Advance();
        reporter?.Message($"SFT data: {data.Count} steps ({Share(data, PolicyAction.Large):P1} labelled large)");

        var activation = config.Network.Activation == "tanh" ? Activation.Tanh : Activation.Relu;
        var sft = MlpParameters.Initialise(FeatureSchemaV1.Width, config.Network.Hidden, PolicyAction.Classes.Count, activation, Derive(config.Seed, 2));
        reporter?.BeginStage("behaviour cloning", config.Sft.Epochs);
        var sftLoss = SftTrainer.Train(sft, data, config.Sft, Derive(config.Seed, 3), threads, (_, _) => reporter?.Advance());

        var policies = new List<TrainedPolicy>
        {
            new(SftOnlyName, "Boundary-guided SFT (behaviour cloning) only", sft, PolicyEvaluation.Greedy(runner, validation, sft, EpisodeConstraints.None, threads, auctions), []),
        };
        foreach (var variant in variants)
        {
            cancellationToken.ThrowIfCancellationRequested();
            reporter?.BeginStage($"{variant.Name}: {variant.Description}", config.Bopo.Iterations);
            var initial = variant.StartFromSft
                ? sft
                : MlpParameters.Initialise(FeatureSchemaV1.Width, config.Network.Hidden, PolicyAction.Classes.Count, activation, Derive(config.Seed, 4));
            var rewards = new List<double>();
            var trained = BopoTrainer.Train(
                runner, records, initial, sft, variant, config.Bopo, Derive(config.Seed, 5), threads,
                stats =>
                {
                    rewards.Add(stats.MeanReward);
                    reporter?.Iteration(stats);
                },
                cancellationToken,
                auctions);
            policies.Add(new TrainedPolicy(variant.Name, variant.Description, trained,
                PolicyEvaluation.Greedy(runner, validation, trained, EpisodeConstraints.None, threads, auctions), rewards));
        }

        return new TrainingResult(
            config, records, counts, data.Count, sftLoss,
            PolicyEvaluation.Fixed(runner, validation, runner.Pool.Smallest, threads),
            PolicyEvaluation.Fixed(runner, validation, runner.Pool.Largest, threads),
            policies, clock.Elapsed, BoundarySource: rollouts?.Description, AuctionSource: auctions?.Description);
    }

    /// <summary>Configuration problems, including seeds that would put training tasks on the benchmark's or the calibration's tasks.</summary>
    public static List<string> Validate(TrainingConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var problems = config.Validate();
        foreach (var seed in new[] { config.Seed, config.Seed + 1 })
        {
            if (seed == FrontierSettings.DefaultSeed || FrontierSettings.ReservedSeeds.Contains(seed))
            {
                problems.Add($"seed {config.Seed}: training uses seeds {config.Seed} and {config.Seed + 1}, which must differ from the benchmark's held-out seed {FrontierSettings.DefaultSeed} and the calibration seeds");
            }
        }

        return problems;
    }

    private static List<SimTask> Tasks(SimulatorModel model, ulong seed, int perCell)
    {
        var generator = new TaskGenerator(model, seed);
        var tasks = new List<SimTask>(TaskSpace.DomainCount * TaskSpace.BinCount * perCell);
        for (var d = 0; d < TaskSpace.DomainCount; d++)
        {
            for (var b = 0; b < TaskSpace.BinCount; b++)
            {
                for (var i = 0; i < perCell; i++)
                {
                    tasks.Add(generator.Create((Domain)d, b, i));
                }
            }
        }

        return tasks;
    }

    /// <summary>The training tasks with their indices in their cells (they are created cell by cell).</summary>
    private static List<TrainingTask> Addressed(List<SimTask> training, TrainingConfig config) =>
        training.Select((t, i) => new TrainingTask(t, i % config.TrainingTasksPerCell)).ToList();

    internal static ulong Derive(ulong seed, ulong stage) => Simulation.Sampling.Xoshiro256.Mix(seed, stage);

    private static double Share(List<StepSample> data, int action)
    {
        var n = 0;
        foreach (var s in data)
        {
            n += s.Action == action ? 1 : 0;
        }

        return data.Count > 0 ? (double)n / data.Count : 0;
    }
}
