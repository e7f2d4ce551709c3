using Routing.Simulation.Agents;
using Routing.Simulation.Observations;
using Routing.Simulation.Sampling;
using Routing.Simulation.Tasks;

namespace Routing.Simulation.Episodes;

/// <summary>
/// Plays one episode of a task, asking a router for the agent at every step. Stateless and thread-safe:
/// all randomness comes from (task seed, attempt), so the same inputs and router give the same episode.
/// </summary>
/// <remarks>
/// Step model: p(success) = sigmoid(skill[agent, domain, bin] + affinity[task, agent] − hidden difficulty
/// + (scale − 1)·gap[agent, domain] − derailPenalty·depth), where scale is the pivotal or routine gap scale of
/// the step (a hidden per-step flag, drawn from its own stream so that it too is common to every agent).
/// A good step advances the work, or, while derailed, recovers (depth back to 0). A failed step either
/// shows an error and deepens the derailment, or is silent: it looks like progress but makes the final
/// answer wrong. The episode ends when the work is done (verdict), the agent is stuck, or the horizon ends.
/// Outcome draws use their own stream, two uniforms per step whatever happens, so different agents on the
/// same task see the same luck (common random numbers keep calibration and comparisons low-noise).
/// </remarks>
public sealed class EpisodeRunner
{
    // Salt of the stream that decides which steps are pivotal and whether the observation before them says so.
    private const ulong PivotSalt = 0x_9170_7A1UL;

    private readonly SimulatorModel _model;

    public EpisodeRunner(SimulatorModel model, AgentPool pool)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(pool);
        _model = model;
        Pool = pool;
    }

    public AgentPool Pool { get; }

    /// <summary>
    /// Runs the task once. <paramref name="attempt"/> selects an independent replay of the same task
    /// (boundary policies run each task K times). When <paramref name="trace"/> is given, every step's
    /// observation is appended to it (reuse the list to avoid allocations). <paramref name="skillBonus"/> (logits)
    /// raises every step's odds: the effect of following a refined SALE plan (<see cref="Sale.SaleResponder.PlanBonus"/>).
    /// </summary>
    public EpisodeResult Run(in SimTask task, IStepRouter router, int attempt = 0, List<StepObservation>? trace = null, double skillBonus = 0)
    {
        ArgumentNullException.ThrowIfNull(router);
        var dyn = _model.Dynamics;
        var domain = _model.Domain(task.Domain);
        var attemptSalt = (ulong)attempt << 1;
        var outcomeRng = new Xoshiro256(Xoshiro256.Mix(task.Seed, attemptSalt));
        var noiseRng = new Xoshiro256(Xoshiro256.Mix(task.Seed, attemptSalt | 1));
        var pivotRng = new Xoshiro256(Xoshiro256.Mix(Xoshiro256.Mix(task.Seed, PivotSalt), (ulong)attempt));
        var pivotal = pivotRng.NextDouble() < dyn.FirstStepPivotalShare;

        // Each agent's margin on this task (skill + affinity − difficulty), computed when it is first called.
        Span<double> margins = stackalloc double[Pool.Count];
        margins.Fill(double.NaN);

        var progress = 0;
        var depth = 0;
        var tainted = false;
        long context = task.PromptTokens;
        long spent = 0;
        long inputTotal = 0;
        long outputTotal = 0;
        var consecutiveErrors = 0;
        var errors = 0;
        var callsOnLargest = 0;
        StepObservation last = default;

        router.BeginEpisode(task, Pool);
        for (var step = 0; step < task.Horizon; step++)
        {
            var agentIndex = router.ChooseAgent(new StepContext(task, Pool, step, spent, context, errors, callsOnLargest, last));
            if (agentIndex == StepDecision.Stop)
            {
                return Result(EpisodeEnd.StoppedByRouter, step);
            }

            if ((uint)agentIndex >= (uint)Pool.Count)
            {
                throw new InvalidOperationException($"Router {router.GetType().Name} chose agent {agentIndex}, outside pool '{Pool.Name}' of {Pool.Count}.");
            }

            var agent = Pool[agentIndex];
            if (agentIndex == Pool.Largest)
            {
                callsOnLargest++;
            }

            // Hidden outcome of the step.
            if (double.IsNaN(margins[agentIndex]))
            {
                margins[agentIndex] = _model.Margin(task, agent);
            }

            var gapScale = pivotal ? dyn.PivotalGapScale : dyn.RoutineGapScale;
            var logit = margins[agentIndex] + ((gapScale - 1) * agent.Gap(task.Domain)) + skillBonus - (dyn.DerailPenalty * depth);
            var good = outcomeRng.NextDouble() < 1.0 / (1.0 + Math.Exp(-logit));
            var silent = outcomeRng.NextDouble() < dyn.SilentFailureShare;
            var visibleError = false;
            if (good)
            {
                if (depth > 0)
                {
                    depth = 0;
                }
                else
                {
                    progress++;
                }
            }
            else if (silent)
            {
                // Looks fine; if it was meant to be progress, it is, but the answer is now wrong.
                if (depth == 0)
                {
                    progress++;
                    tainted = true;
                }
            }
            else
            {
                visibleError = true;
                depth++;
            }

            var done = progress >= task.RequiredSteps;

            // Whether the next step is pivotal, and whether this observation hints at it (a noisy cue).
            pivotal = pivotRng.NextDouble() < domain.PivotalStepShare;
            var cue = pivotRng.NextDouble() < (pivotal ? dyn.PivotalCueHitRate : dyn.PivotalCueFalseAlarmRate);

            // What the router sees: noisy, and drawn from a separate stream.
            var kind = ObserveKind(ref noiseRng, task.Domain, visibleError, depth, done, dyn.SpuriousWarningRate);
            var retries = noiseRng.NextDouble() < (visibleError ? dyn.RetryRateOnError : dyn.RetryRateOnSuccess)
                ? 1 + (noiseRng.NextDouble() < 0.3 ? 1 : 0)
                : 0;
            var outputMean = agent.MeanOutputTokens * (visibleError ? dyn.FailedStepOutputFactor : 1.0);
            var output = (int)Math.Clamp(outputMean * LogNormal(ref noiseRng, dyn.OutputTokenSigma), 16, agent.MaxOutputTokens);
            var observationMean = done ? 40 : kind.IsError() ? domain.ErrorObservationTokens : domain.ObservationTokens;
            var observation = (int)(observationMean * LogNormal(ref noiseRng, dyn.ObservationTokenSigma)) + (retries * 60);
            var confidenceShift = visibleError ? dyn.ConfidenceShiftOnFailure : dyn.ConfidenceShiftOnSuccess;
            var confidence = 1.0 / (1.0 + Math.Exp(-(agent.ConfidenceBias + confidenceShift + (dyn.ConfidenceNoise * noiseRng.NextGaussian()))));
            var variant = noiseRng.NextInt(1 << 16);

            var cost = agent.CostMicros(context, output);
            consecutiveErrors = kind.IsError() ? consecutiveErrors + 1 : 0;
            errors += kind.IsError() ? 1 : 0;
            last = new StepObservation
            {
                Step = step,
                Agent = agentIndex,
                Kind = kind,
                Retries = retries,
                Confidence = MathF.Round((float)confidence, 2),
                ConsecutiveErrors = consecutiveErrors,
                InputTokens = (int)context,
                OutputTokens = output,
                ObservationTokens = observation,
                CostMicros = cost,
                Variant = variant,
                NeedsJudgement = cue && !done,
            };
            trace?.Add(last);

            spent += cost;
            inputTotal += context;
            outputTotal += output;
            context += output + observation;

            if (done)
            {
                return Result(tainted ? EpisodeEnd.WrongAnswer : EpisodeEnd.Solved, step + 1);
            }

            if (depth >= dyn.MaxDerailDepth)
            {
                return Result(EpisodeEnd.Stuck, step + 1);
            }
        }

        return Result(EpisodeEnd.HorizonReached, task.Horizon);

        EpisodeResult Result(EpisodeEnd end, int steps) => new()
        {
            End = end,
            Steps = steps,
            CostMicros = spent,
            InputTokens = inputTotal,
            OutputTokens = outputTotal,
            CallsOnLargest = callsOnLargest,
            ReportedErrors = errors,
        };
    }

    private static ObservationKind ObserveKind(ref Xoshiro256 rng, Domain domain, bool visibleError, int depth, bool done, double spuriousWarningRate)
    {
        var u = rng.NextDouble();
        if (done)
        {
            return ObservationKind.FinalAnswer;
        }

        if (!visibleError)
        {
            return u < spuriousWarningRate ? ObservationKind.Warning : ObservationKind.Progress;
        }

        // Deep in trouble, agents tend to repeat themselves; otherwise the error comes from the tools.
        if (depth >= 2 && u < 0.35)
        {
            return ObservationKind.Looping;
        }

        var pick = rng.NextInt(4);
        return domain == Domain.Search
            ? pick switch { 0 => ObservationKind.NoResults, 1 => ObservationKind.HttpError, 2 => ObservationKind.ParseError, _ => ObservationKind.Timeout }
            : pick switch { 0 => ObservationKind.CompileError, 1 => ObservationKind.TestFailure, 2 => ObservationKind.RuntimeError, _ => ObservationKind.Timeout };
    }

    /// <summary>Log-normal factor with mean 1, so means in the parameters file are true means.</summary>
    private static double LogNormal(ref Xoshiro256 rng, double sigma) => Math.Exp((sigma * rng.NextGaussian()) - (0.5 * sigma * sigma));
}
