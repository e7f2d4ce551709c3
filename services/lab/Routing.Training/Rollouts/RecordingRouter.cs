using Routing.Features;
using Routing.Simulation.Agents;
using Routing.Simulation.Episodes;
using Routing.Simulation.Tasks;
using Routing.Training.Features;

namespace Routing.Training.Rollouts;

/// <summary>
/// Records the v1 features and the action of every step an inner router (a boundary or mixed policy) takes, with the
/// task's auction outcome in the features when <paramref name="auctions"/> has one.
/// </summary>
public sealed class RecordingRouter(IStepRouter inner, List<StepSample> recording, ITaskAuctions? auctions = null) : IStepRouter
{
    private readonly SimulatorStepFeatures _features = new();
    private readonly float[] _buffer = new float[FeatureSchemaV1.Width];

    public void BeginEpisode(in SimTask task, AgentPool pool)
    {
        _features.BeginEpisode(task, EpisodeConstraints.None, auctions?.For(task), auctions?.CostMicros(task) ?? 0);
        inner.BeginEpisode(task, pool);
    }

    public int ChooseAgent(in StepContext context)
    {
        _features.Extract(context, _buffer);
        var agent = inner.ChooseAgent(context);
        if (agent != StepDecision.Stop)
        {
            recording.Add(new StepSample((float[])_buffer.Clone(), agent == context.Pool.Largest ? PolicyAction.Large : PolicyAction.Small, 0f));
        }

        return agent;
    }
}
