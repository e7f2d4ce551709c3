using Routing.Features;
using Routing.Simulation.Agents;
using Routing.Simulation.Episodes;
using Routing.Simulation.Sampling;
using Routing.Simulation.Tasks;
using Routing.Training.Features;
using Routing.Training.Network;

namespace Routing.Training.Rollouts;

/// <summary>
/// The trained policy as a simulator router: extracts v1 features, runs the network and picks the smallest or
/// the largest agent — greedily (as the policy service decides, at <see cref="CostPreference"/> λ, 0 by default) or
/// by sampling (training rollouts). Optionally records every decision. One instance per thread.
/// </summary>
public sealed class PolicyStepRouter : IStepRouter
{
    private readonly SimulatorStepFeatures _features = new();
    private readonly float[] _buffer = new float[FeatureSchemaV1.Width];
    private readonly MlpPass _pass;
    private readonly bool _sample;
    private Xoshiro256 _rng;

    public PolicyStepRouter(MlpParameters parameters, bool sample, EpisodeConstraints constraints = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.InputWidth != FeatureSchemaV1.Width || parameters.OutputWidth != PolicyAction.Classes.Count)
        {
            throw new ArgumentException($"the network must map {FeatureSchemaV1.Width} features to {PolicyAction.Classes.Count} classes", nameof(parameters));
        }

        _pass = new MlpPass(parameters);
        _sample = sample;
        Constraints = constraints;
    }

    /// <summary>What the features report as the episode's limits (the decoding mask is applied outside, by the caller).</summary>
    public EpisodeConstraints Constraints { get; set; }

    /// <summary>The operating point λ of greedy decisions (<see cref="Routing.Features.CostPreference"/>); sampling ignores it.</summary>
    public double CostPreference { get; init; }

    /// <summary>When set, every decision of the following episodes is appended to it.</summary>
    public List<StepSample>? Recording { get; set; }

    /// <summary>Seeds the action sampling of the next episode (training rollouts are reproducible per (task, attempt)).</summary>
    public void Reseed(ulong seed) => _rng = new Xoshiro256(seed);

    /// <summary>Auctions whose outcomes the features show (null: no task was auctioned).</summary>
    public ITaskAuctions? Auctions { get; init; }

    public void BeginEpisode(in SimTask task, AgentPool pool) => _features.BeginEpisode(task, Constraints, Auctions?.For(task), Auctions?.CostMicros(task) ?? 0);

    public int ChooseAgent(in StepContext context)
    {
        _features.Extract(context, _buffer);
        var p = _pass.Forward(_buffer);
        var action = _sample
            ? (_rng.NextDouble() < p[PolicyAction.Large] ? PolicyAction.Large : PolicyAction.Small)
            : Greedy(p, context);
        Recording?.Add(new StepSample((float[])_buffer.Clone(), action, MathF.Log(Math.Max(p[action], 1e-30f))));
        return action == PolicyAction.Large ? context.Pool.Largest : context.Pool.Smallest;
    }

    /// <summary>The policy service's choice between the two agents: higher score, ties to the cheaper (small).</summary>
    private int Greedy(ReadOnlySpan<float> p, in StepContext context)
    {
        var small = context.WorstCaseCostMicros(context.Pool.Smallest);
        var large = context.WorstCaseCostMicros(context.Pool.Largest);
        var max = Math.Max(small, large);
        var smallScore = Routing.Features.CostPreference.Score(p[PolicyAction.Small], small, max, CostPreference);
        var largeScore = Routing.Features.CostPreference.Score(p[PolicyAction.Large], large, max, CostPreference);
        return largeScore > smallScore ? PolicyAction.Large : PolicyAction.Small;
    }
}
