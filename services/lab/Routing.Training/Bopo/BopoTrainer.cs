using Routing.Simulation.Episodes;
using Routing.Simulation.Routers;
using Routing.Simulation.Sampling;
using Routing.Training.Boundary;
using Routing.Training.Features;
using Routing.Training.Network;
using Routing.Training.Pipeline;
using Routing.Training.Rollouts;

namespace Routing.Training.Bopo;

/// <summary>What one BoPO iteration's rollouts achieved (sampled policy, constrained groups included).</summary>
public readonly record struct IterationStats(string Variant, int Iteration, int Iterations, double MeanReward, double SuccessRate, double MeanCostMicros, double LargeShare, double Loss);

/// <summary>
/// Group policy optimisation on the simulator: each iteration draws tasks, rolls out G episodes per task from
/// the current policy (some groups under a hard limit with budget-constrained decoding), scores them with
/// <see cref="BopoReward"/>, and takes clipped policy-gradient steps with a KL penalty to the SFT policy.
/// Deterministic for a seed: tasks, limits, sampling and minibatch order derive from it, rollouts land in
/// per-task slots and gradients are summed in a fixed order.
/// </summary>
public static class BopoTrainer
{
    public static MlpParameters Train(
        EpisodeRunner runner,
        IReadOnlyList<BoundaryRecord> records,
        MlpParameters initial,
        MlpParameters? sft,
        BopoVariant variant,
        BopoConfig config,
        ulong seed,
        int threads,
        Action<IterationStats>? onIteration = null,
        CancellationToken cancellationToken = default,
        ITaskAuctions? auctions = null)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentNullException.ThrowIfNull(variant);
        ArgumentNullException.ThrowIfNull(config);
        var parameters = initial.Clone();
        var hardBonus = variant.HardBonus ? config.HardBonus : 0;
        var klWeight = variant.KlToSft && sft is not null ? config.KlWeight : 0;
        var gradient = new BatchGradient(parameters, klWeight > 0 ? sft : null, threads);
        var loss = new ClippedPolicyGradient(config.Clip, klWeight);
        var optimizer = new AdamOptimizer(parameters);
        var grad = parameters.ZerosLike();
        var g = config.GroupSize;
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken };
        for (var iteration = 0; iteration < config.Iterations; iteration++)
        {
            var rng = new Xoshiro256(Xoshiro256.Mix(seed, (ulong)iteration));
            var picks = new int[config.TasksPerIteration];
            var attempts = new int[config.TasksPerIteration];
            for (var j = 0; j < picks.Length; j++)
            {
                picks[j] = rng.NextInt(records.Count);
                attempts[j] = rng.NextInt(records[picks[j]].Attempts);
            }

            var groups = new List<StepSample>[picks.Length][];
            var rewards = new double[picks.Length][];
            var costWeights = new double[picks.Length];
            var successes = new int[picks.Length];
            var costs = new long[picks.Length];
            var snapshot = parameters.Clone();
            Parallel.For(0, picks.Length, options, j =>
            {
                var record = records[picks[j]];
                var taskSeed = Xoshiro256.Mix(Xoshiro256.Mix(seed, (ulong)iteration), (ulong)j);
                var constraints = DrawConstraints(config, taskSeed);
                costWeights[j] = constraints.Any ? config.CostWeightUnderLimits : config.CostWeight;
                var policy = new PolicyStepRouter(snapshot, sample: true, constraints) { Auctions = auctions };
                // The whole group replays one boundary attempt (common random numbers): outcomes within the group
                // differ only by the policy's choices, and the boundary runs of that attempt are the reference.
                var attempt = attempts[j];
                IStepRouter router = constraints.Any ? new BudgetConstrainedRouter(policy, constraints.BudgetMicros, constraints.LargeCallCap) : policy;
                groups[j] = new List<StepSample>[g];
                rewards[j] = new double[g];
                for (var i = 0; i < g; i++)
                {
                    groups[j][i] = [];
                    policy.Recording = groups[j][i];
                    policy.Reseed(Xoshiro256.Mix(taskSeed, (ulong)i + 1));
                        var result = runner.Run(record.Task, router, attempt);
                    rewards[j][i] = BopoReward.Reward(result.Success, result.CostMicros, record, hardBonus, costWeights[j]);
                    successes[j] += result.Success ? 1 : 0;
                    costs[j] += result.CostMicros;
                }
            });

            var batch = new List<StepSample>();
            double rewardSum = 0, successSum = 0, costSum = 0, largeSteps = 0;
            var advantages = new double[g];
            var references = new double[2];
            for (var j = 0; j < picks.Length; j++)
            {
                var record = records[picks[j]];
                var (small, large) = BopoReward.BoundaryRewards(record, attempts[j], hardBonus, costWeights[j]);
                references[0] = small;
                references[1] = large;
                BopoReward.Advantages(rewards[j], variant.ReferenceGuided ? references : [], config.AdvantageStdFloor, advantages);
                for (var i = 0; i < g; i++)
                {
                    rewardSum += rewards[j][i];
                    foreach (var s in groups[j][i])
                    {
                        s.Weight = (float)advantages[i];
                        largeSteps += s.Action;
                        batch.Add(s);
                    }
                }

                successSum += successes[j];
                costSum += costs[j];
            }

            var lossSum = 0.0;
            var updates = 0;
            var order = new int[batch.Count];
            for (var epoch = 0; epoch < config.Epochs; epoch++)
            {
                Shuffle(order, ref rng);
                for (var start = 0; start < order.Length; start += config.BatchSize)
                {
                    var minibatch = new List<StepSample>(Math.Min(config.BatchSize, order.Length - start));
                    for (var k = start; k < Math.Min(order.Length, start + config.BatchSize); k++)
                    {
                        minibatch.Add(batch[order[k]]);
                    }

                    lossSum += gradient.Compute(minibatch, loss, grad);
                    optimizer.Step(parameters, grad, config.LearningRate, config.MaxGradientNorm);
                    updates++;
                }
            }

            var episodes = (double)picks.Length * g;
            onIteration?.Invoke(new IterationStats(
                variant.Name, iteration + 1, config.Iterations, rewardSum / episodes, successSum / episodes, costSum / episodes,
                batch.Count > 0 ? largeSteps / batch.Count : 0, updates > 0 ? lossSum / updates : 0));
        }

        return parameters;
    }

    /// <summary>The limits a group runs under: none, or (with <see cref="BopoConfig.ConstrainedShare"/>) a cap K or a dollar budget.</summary>
    internal static EpisodeConstraints DrawConstraints(BopoConfig config, ulong seed)
    {
        var rng = new Xoshiro256(seed);
        if (rng.NextDouble() >= config.ConstrainedShare)
        {
            return EpisodeConstraints.None;
        }

        var useCap = config.BudgetsMicros.Count == 0 || (config.LargeCaps.Count > 0 && rng.NextDouble() < 0.5);
        return useCap
            ? new EpisodeConstraints(null, config.LargeCaps[rng.NextInt(config.LargeCaps.Count)])
            : new EpisodeConstraints(config.BudgetsMicros[rng.NextInt(config.BudgetsMicros.Count)], null);
    }

    /// <summary>Fills <paramref name="order"/> with a seeded permutation of 0..n−1 (Fisher–Yates).</summary>
    internal static void Shuffle(int[] order, ref Xoshiro256 rng)
    {
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        for (var i = order.Length - 1; i > 0; i--)
        {
            var k = rng.NextInt(i + 1);
            (order[i], order[k]) = (order[k], order[i]);
        }
    }
}
