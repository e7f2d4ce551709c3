using System.Diagnostics;
using System.Globalization;

namespace Routing.Cli.Bench.Chaos;

/// <summary>One kill -9 and the moment its victim accepted work again.</summary>
/// <param name="Victim"><see cref="ChaosBench.RoutingUp"/> or <see cref="ChaosBench.Redis"/>.</param>
public sealed record ChaosRestart(string Victim, long KilledTicks, long ReadyTicks);

/// <summary>A task's ledger as the budget service holds it after the run.</summary>
public sealed record ChaosLedger(long LimitMicros, long CommittedMicros, int UnknownOutcomes);

/// <summary>What the audit of a chaos run found; <see cref="Problems"/> names every broken target.</summary>
public sealed record ChaosFindings(
    int Keys, int Answered, int Refused, int Replays, int ModelCalls, int Abandoned, int Repeated, int RepeatedAfterAnswered,
    int Concurrent, int WrongAnswers, int TasksBelowCost, int TasksAboveLimit, long BackendCostMicros, long CommittedMicros,
    int UnknownOutcomes, double LongestWaitAfterRoutingUpMs, double LongestWaitAfterRedisMs, IReadOnlyList<string> Problems);

/// <summary>
/// Checks a chaos run from the outside: the clients' answers, the recording backend's calls and the budget service's
/// ledgers, joined by step (task and key). Pure, so that its rules are tested on their own.
/// </summary>
public static class ChaosAudit
{
    /// <summary>Examples of each problem named in <see cref="ChaosFindings.Problems"/>, at most.</summary>
    private const int Examples = 5;

    public static ChaosFindings Run(
        IReadOnlyCollection<KeyedStep> steps, IReadOnlyCollection<RecordedCall> calls, IReadOnlyDictionary<string, ChaosLedger> ledgers,
        IReadOnlyList<ChaosRestart> restarts, long callCostMicros)
    {
        var problems = new List<string>();
        // A call under way when routing up died (or sent by it while it died) was answered to nobody, even where the
        // backend's write went through.
        calls = [.. calls.Select(c => c.Answered && restarts.Any(r => r.Victim == ChaosBench.RoutingUp && c.StartedTicks < r.ReadyTicks && c.EndedTicks >= r.KilledTicks)
            ? c with { Answered = false } : c)];
        var callsByStep = calls.GroupBy(c => c.Step, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.OrderBy(c => c.StartedTicks).ToList(), StringComparer.Ordinal);
        var callById = calls.ToDictionary(c => c.Id);
        int answered = 0, refused = 0, replays = 0, wrong = 0;
        foreach (var step in steps)
        {
            if (step.Refusal is not null)
            {
                refused++;
                Note(problems, "refused", $"{step.Step} refused {step.Refusal}");
            }
            else if (step.AnsweredTicks == 0)
            {
                Note(problems, "unanswered", $"{step.Step} has no answer after {step.Attempts} attempts");
            }
            else
            {
                answered++;
                replays += step.Replayed ? 1 : 0;
                if (!callById.TryGetValue(step.AnswerCallId, out var call) || call.Step != step.Step)
                {
                    wrong++;
                    Note(problems, "wrong answer", $"{step.Step} got the answer of call {step.AnswerCallId} ({(call is null ? "no such call" : call.Step)})");
                }
            }
        }

        int repeated = 0, afterAnswered = 0, concurrent = 0;
        foreach (var (step, mine) in callsByStep)
        {
            repeated += mine.Count - 1;
            long firstAnsweredEnd = long.MaxValue, latestEnd = long.MinValue;
            foreach (var call in mine)
            {
                if (call.StartedTicks > firstAnsweredEnd)
                {
                    afterAnswered++;
                    Note(problems, "repeated model call after an answered call", $"{step}: call {call.Id} after an answered one{LastKill(restarts, firstAnsweredEnd)}");
                }
                else if (call.StartedTicks < latestEnd)
                {
                    concurrent++;
                    Note(problems, "concurrent model call", $"{step}: call {call.Id} while an earlier call still ran");
                }
                latestEnd = Math.Max(latestEnd, call.EndedTicks);
                if (call.Answered)
                {
                    firstAnsweredEnd = Math.Min(firstAnsweredEnd, call.EndedTicks);
                }
            }
        }

        int below = 0, above = 0, unknown = 0;
        long cost = 0, committed = 0;
        var costByTask = steps.GroupBy(s => s.TaskId, StringComparer.Ordinal).ToDictionary(
            g => g.Key, g => g.Sum(s => (long)(callsByStep.TryGetValue(s.Step, out var c) ? c.Count : 0)) * callCostMicros, StringComparer.Ordinal);
        foreach (var (task, taskCost) in costByTask)
        {
            cost += taskCost;
            if (!ledgers.TryGetValue(task, out var ledger))
            {
                if (taskCost > 0)
                {
                    below++;
                    Note(problems, "ledger below backend cost", $"{task}: no ledger, backend calls cost {taskCost} µ$");
                }
                continue;
            }
            committed += ledger.CommittedMicros;
            unknown += ledger.UnknownOutcomes;
            if (ledger.CommittedMicros < taskCost)
            {
                below++;
                Note(problems, "ledger below backend cost", $"{task}: committed {ledger.CommittedMicros} µ$ < backend calls {taskCost} µ$");
            }
            if (ledger.CommittedMicros > ledger.LimitMicros)
            {
                above++;
                Note(problems, "ledger above limit", $"{task}: committed {ledger.CommittedMicros} µ$ > limit {ledger.LimitMicros} µ$");
            }
        }

        return new ChaosFindings(
            steps.Count, answered, refused, replays, calls.Count, calls.Count(c => !c.Answered), repeated, afterAnswered, concurrent, wrong,
            below, above, cost, committed, unknown,
            LongestWaitMs(steps, restarts, ChaosBench.RoutingUp), LongestWaitMs(steps, restarts, ChaosBench.Redis), Summarise(problems));
    }

    /// <summary>
    /// The longest time from a restart (its victim ready again) to the answer of a step that was under way when the
    /// victim was killed; 0 for an answer that came before the restart was complete.
    /// </summary>
    private static double LongestWaitMs(IReadOnlyCollection<KeyedStep> steps, IReadOnlyList<ChaosRestart> restarts, string victim)
    {
        long longest = 0;
        foreach (var restart in restarts)
        {
            if (restart.Victim != victim)
            {
                continue;
            }
            foreach (var step in steps)
            {
                if (step.FirstSentTicks <= restart.KilledTicks && step.AnsweredTicks > restart.KilledTicks)
                {
                    longest = Math.Max(longest, step.AnsweredTicks - restart.ReadyTicks);
                }
            }
        }
        return longest * 1000.0 / Stopwatch.Frequency;
    }

    /// <summary>The kill closest to <paramref name="ticks"/>, for telling which victim a problem followed.</summary>
    private static string LastKill(IReadOnlyList<ChaosRestart> restarts, long ticks)
    {
        var nearest = restarts.OrderBy(r => Math.Abs(r.KilledTicks - ticks)).FirstOrDefault();
        return nearest is null ? "" : string.Create(CultureInfo.InvariantCulture,
            $" that ended {(ticks - nearest.KilledTicks) * 1000.0 / Stopwatch.Frequency:F0} ms after the kill of {nearest.Victim} (back {(nearest.ReadyTicks - nearest.KilledTicks) * 1000.0 / Stopwatch.Frequency:F0} ms later)");
    }

    private static void Note(List<string> problems, string kind, string example) => problems.Add(kind + "\u0000" + example);

    /// <summary>One line per kind of problem: how many, and the first few examples.</summary>
    private static List<string> Summarise(List<string> noted) =>
        [.. noted.Select(n => n.Split('\u0000')).GroupBy(p => p[0], StringComparer.Ordinal).Select(g =>
            string.Create(CultureInfo.InvariantCulture, $"{g.Key}: {g.Count()} ({string.Join("; ", g.Take(Examples).Select(p => p[1]))}{(g.Count() > Examples ? "; …" : "")})"))];
}
