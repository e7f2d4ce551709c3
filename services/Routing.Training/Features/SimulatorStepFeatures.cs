using Routing.Features;
using Routing.Simulation.Episodes;
using Routing.Simulation.Tasks;

namespace Routing.Training.Features;

/// <summary>
/// The bridge from the simulator's <see cref="StepContext"/> to feature schema v1: keeps the little
/// per-episode history the schema needs (last two actions, a three-step window of errors and retries, the
/// small model's failures) and fills a <see cref="StepState"/> the way the executor fills it from its episode
/// log. Text features use the task statement and the previous step's reply exactly as the simulator's HTTP
/// backend returns it (<see cref="Simulation.Observations.StepObservation.RenderChatContent"/>), so a policy
/// trained here sees the vectors the executor will extract. One instance per thread; call
/// <see cref="BeginEpisode"/> before each episode and <see cref="Extract"/> once per step, in order.
/// </summary>
public sealed class SimulatorStepFeatures
{
    private readonly bool[] _windowErrors = new bool[FeatureSchemaV1.RecentWindow];
    private readonly int[] _windowRetries = new int[FeatureSchemaV1.RecentWindow];
    private string _taskText = "";
    private Domain _domain;
    private int _seenSteps;
    private PreviousAction _last;
    private PreviousAction _beforeLast;
    private int _smallFailures;

    public EpisodeConstraints Constraints { get; private set; }

    public void BeginEpisode(in SimTask task, EpisodeConstraints constraints)
    {
        _taskText = task.Describe();
        _domain = task.Domain;
        Constraints = constraints;
        _seenSteps = 0;
        _last = PreviousAction.None;
        _beforeLast = PreviousAction.None;
        _smallFailures = 0;
        Array.Clear(_windowErrors);
        Array.Clear(_windowRetries);
    }

    /// <summary>Writes the v1 vector of the step about to be taken into <paramref name="destination"/>.</summary>
    public void Extract(in StepContext context, Span<float> destination)
    {
        if (context.Step != _seenSteps)
        {
            throw new InvalidOperationException($"features must be extracted for every step in order (expected step {_seenSteps}, got {context.Step})");
        }

        var observationText = "";
        if (context.HasLast)
        {
            var o = context.Last;
            var large = o.Agent == context.Pool.Largest;
            _beforeLast = _last;
            _last = large ? PreviousAction.Large : PreviousAction.Small;
            var slot = (context.Step - 1) % FeatureSchemaV1.RecentWindow;
            _windowErrors[slot] = o.IsError;
            _windowRetries[slot] = o.Retries;
            if (!large && o.IsError)
            {
                _smallFailures++;
            }

            observationText = o.RenderChatContent(_domain);
        }

        _seenSteps++;
        var recentErrors = 0;
        var recentRetries = 0;
        for (var i = 0; i < FeatureSchemaV1.RecentWindow; i++)
        {
            recentErrors += _windowErrors[i] ? 1 : 0;
            recentRetries += _windowRetries[i];
        }

        var budget = Constraints.BudgetMicros;
        var cap = Constraints.LargeCallCap;
        var state = new StepState
        {
            LimitMicros = budget ?? 0,
            SpentMicros = context.SpentMicros,
            RemainingMicros = budget is { } b ? Math.Max(0, b - context.SpentMicros) : 0,
            StepIndex = context.Step,
            Horizon = context.Horizon,
            ContextTokens = (int)Math.Min(int.MaxValue, context.ContextTokens),
            LastAction = _last,
            ActionBeforeLast = _beforeLast,
            LargeCallsSoFar = context.CallsOnLargest,
            RecentErrors = recentErrors,
            RecentRetries = recentRetries,
            SmallModelFailures = _smallFailures,
            LastStepFailed = context.HasLast && context.Last.IsError,
            SelfConfidence = context.HasLast ? context.Last.Confidence : null,
            LargeCallCap = cap,
            LargeCallsLeft = cap is { } k ? Math.Max(0, k - context.CallsOnLargest) : null,
            Auction = null,
        };
        FeatureSchemaV1.Extract(state, _taskText, observationText, destination);
    }
}
