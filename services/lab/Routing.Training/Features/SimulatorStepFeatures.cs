using Routing.Features;
using Routing.Simulation.Episodes;
using Routing.Simulation.Sampling;
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

    /// <summary>
    /// The limit an episode without a budget shows the policy: in production every task has a limit (the executor
    /// refuses to open one without), usually far above what the task can spend. Training used to show such
    /// episodes "no limit" (remaining 0), which a served policy never sees, and v3 picked the small model at every
    /// step of a task opened with $1,000 — an input outside everything it was trained on. So an unconstrained
    /// episode shows a never-binding limit drawn per task, log-uniform between these bounds (deterministic in the
    /// task id, so runs stay reproducible).
    /// </summary>
    public const long NominalLimitMinMicros = 5_000_000;

    /// <inheritdoc cref="NominalLimitMinMicros"/>
    public const long NominalLimitMaxMicros = 1_000_000_000;

    private long _nominalLimitMicros;
    private AuctionOutcome? _auction;
    private long _spentBeforeEpisode;

    public EpisodeConstraints Constraints { get; private set; }

    /// <param name="task">The task the episode plays.</param>
    /// <param name="constraints">Its limits, as the features report them.</param>
    /// <param name="auction">The task's SALE auction outcome, when it was auctioned (feature slots 20–22).</param>
    /// <param name="auctionCostMicros">
    /// What that auction cost: the executor charges it to the task before its first step, so the spend the features
    /// report starts there (and the remaining budget below the limit), as on an executor that auctions on open.
    /// </param>
    public void BeginEpisode(in SimTask task, EpisodeConstraints constraints, AuctionOutcome? auction = null, long auctionCostMicros = 0)
    {
        _auction = auction;
        _spentBeforeEpisode = auctionCostMicros;
        _taskText = task.Describe();
        _domain = task.Domain;
        Constraints = constraints;
        _nominalLimitMicros = NominalLimitMicros(task.Id);
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

        var budget = Constraints.BudgetMicros ?? _nominalLimitMicros;
        var cap = Constraints.LargeCallCap;
        var state = new StepState
        {
            LimitMicros = budget,
            SpentMicros = _spentBeforeEpisode + context.SpentMicros,
            RemainingMicros = Math.Max(0, budget - _spentBeforeEpisode - context.SpentMicros),
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
            Auction = _auction,
        };
        FeatureSchemaV1.Extract(state, _taskText, observationText, destination);
    }

    /// <summary>The never-binding limit an unconstrained episode of task <paramref name="taskId"/> shows (see <see cref="NominalLimitMinMicros"/>).</summary>
    public static long NominalLimitMicros(long taskId)
    {
        var u = new Xoshiro256(Xoshiro256.Mix(unchecked((ulong)taskId), 0x4C494D4954UL)).NextDouble();
        return (long)Math.Round(Math.Exp(Math.Log(NominalLimitMinMicros) + (u * Math.Log((double)NominalLimitMaxMicros / NominalLimitMinMicros))));
    }
}
