using System.Diagnostics;
using Routing.Features;
using Routing.Onnx;
using Routing.Training.Episodes;
using Routing.Training.Network;
using Routing.Training.Rollouts;
using Routing.Training.Sft;

namespace Routing.Training.Pipeline;

/// <summary>
/// <c>routing train policy --episodes FILE</c>: boundary rollouts, taxonomy and SFT data read from an exported
/// episode log, then behaviour cloning. BoPO is not run: it needs fresh rollouts of the policy being trained,
/// which a log cannot give (docs/training.md).
/// </summary>
public static class EpisodeLogTraining
{
    public static (TrainingResult Result, EpisodeLogTrainingData Data) Run(TrainingConfig config, string path, ITrainingReporter? reporter = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var clock = Stopwatch.StartNew();
        reporter?.BeginStage($"reading episode log {path}", 1);
        var data = EpisodeLogBoundary.Build(path, EpisodeLogReader.Read(path), config.TaxonomyThreshold, config.Sft);
        reporter?.Advance();
        if (data.Samples.Count == 0)
        {
            throw new EpisodeLogException(path, null, null, $"{data.Tasks.Count} boundary tasks but no demonstration steps (every task is hard without a successful episode on the largest agent)");
        }

        var activation = config.Network.Activation == "tanh" ? Activation.Tanh : Activation.Relu;
        var sft = MlpParameters.Initialise(FeatureSchemaV1.Width, config.Network.Hidden, PolicyAction.Classes.Count, activation, PolicyTrainingPipeline.Derive(config.Seed, 2));
        reporter?.BeginStage("behaviour cloning", config.Sft.Epochs);
        var loss = SftTrainer.Train(sft, data.Samples, config.Sft, PolicyTrainingPipeline.Derive(config.Seed, 3), config.Threads, (_, _) => reporter?.Advance());
        var none = new EvaluationFigures(0, 0, 0, 0, 0);
        var policy = new TrainedPolicy(PolicyTrainingPipeline.SftOnlyName, "Boundary-guided SFT (behaviour cloning) from an episode log", sft, none, []);
        var source = $"episode log {Path.GetFileName(path)}: {data.Episodes} episodes, {data.Tasks.Count} tasks with both boundary policies";
        return (new TrainingResult(config, [], data.ClassCounts, data.Samples.Count, loss, none, none, [policy], clock.Elapsed, source), data);
    }
}
