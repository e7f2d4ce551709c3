using Routing.Simulation.Sampling;
using Routing.Training.Bopo;
using Routing.Training.Network;
using Routing.Training.Pipeline;
using Routing.Training.Rollouts;

namespace Routing.Training.Sft;

/// <summary>Behaviour cloning on the boundary-guided demonstrations: weighted cross-entropy, Adam, seeded minibatch order.</summary>
public static class SftTrainer
{
    /// <summary>Trains <paramref name="parameters"/> in place; returns the last epoch's mean loss.</summary>
    public static double Train(MlpParameters parameters, IReadOnlyList<StepSample> data, SftConfig config, ulong seed, int threads, Action<int, double>? onEpoch = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(config);
        var gradient = new BatchGradient(parameters, null, threads);
        var loss = new WeightedCrossEntropy();
        var optimizer = new AdamOptimizer(parameters);
        var grad = parameters.ZerosLike();
        var order = new int[data.Count];
        var rng = new Xoshiro256(seed);
        var last = 0.0;
        for (var epoch = 0; epoch < config.Epochs; epoch++)
        {
            BopoTrainer.Shuffle(order, ref rng);
            var sum = 0.0;
            var batches = 0;
            for (var start = 0; start < order.Length; start += config.BatchSize)
            {
                var minibatch = new List<StepSample>(Math.Min(config.BatchSize, order.Length - start));
                for (var k = start; k < Math.Min(order.Length, start + config.BatchSize); k++)
                {
                    minibatch.Add(data[order[k]]);
                }

                sum += gradient.Compute(minibatch, loss, grad);
                optimizer.Step(parameters, grad, config.LearningRate, maxGradientNorm: 5);
                batches++;
            }

            last = batches > 0 ? sum / batches : 0;
            onEpoch?.Invoke(epoch + 1, last);
        }

        return last;
    }
}
