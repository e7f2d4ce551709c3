using Routing.Cli.Bench.Chaos;
using Routing.Testing;
using Xunit;

namespace Routing.Cli.Tests;

/// <summary>
/// <c>routing bench chaos</c> small: kill -9 of <c>routing up</c> (twice) and of redis-server (once) while keyed
/// steps are at the slow backend; every key is answered, no model call repeats after an answered one, and every
/// ledger holds at least what its backend calls cost and at most its limit. Plus the audit's rules on their own.
/// </summary>
public sealed class ChaosBenchTests
{
    private const long Cost = 100;

    [SkippableFact]
    public async Task KillsDuringKeyedStepsLoseNoAnswerAndNoMoney()
    {
        RedisServerProcessSkipping.BinaryOrSkip();
        // Patient agents (an attempt retried only when its connection fails), as in the figures of docs/benchmarks.md
        // (chaos), which predate begin_step.lua's suspicion of stale heartbeats after a Redis outage.
        var settings = new ChaosSettings(Cycles: 3, Tasks: 3, StepsPerTask: 3, Seed: 7, BackendDelayMs: 300, AttemptTimeoutMs: 60_000);

        var report = await ChaosBench.RunAsync(settings, null, CancellationToken.None);

        Assert.Equal((2, 1), (report.KillsRoutingUp, report.KillsRedis));
        Assert.True(report.Keys >= 3, $"only {report.Keys} keys");
        Assert.Equal(report.Keys, report.Answered);
        // Each routing up kill landed while a call was at the backend: the run did interrupt keyed steps.
        Assert.True(report.AbandonedModelCalls >= 2, $"{report.AbandonedModelCalls} abandoned calls");
        Assert.Equal(0, report.RepeatedAfterAnsweredCall);
        Assert.Equal(0, report.ConcurrentModelCalls);
        Assert.Equal(0, report.WrongAnswers);
        Assert.True(report.LedgerTasks >= 3, $"{report.LedgerTasks} ledgers");
        Assert.Equal(0, report.TasksBelowBackendCost);
        Assert.Equal(0, report.TasksAboveLimit);
        Assert.True(report.CommittedMicros >= report.BackendCostMicros);
        Assert.Empty(report.Problems);
    }

    [Fact]
    public void ACallAfterAnAnsweredCallForTheSameKeyIsCounted()
    {
        var step = Answered("t/k", callId: 2);
        RecordedCall[] calls = [new(1, "t/k", 10, 20, Answered: true), new(2, "t/k", 30, 40, Answered: true)];

        var findings = ChaosAudit.Run([step], calls, Ledgers(("t", 1_000, 200)), [], Cost);

        Assert.Equal((1, 1, 0), (findings.Repeated, findings.RepeatedAfterAnswered, findings.Concurrent));
        Assert.Contains(findings.Problems, p => p.StartsWith("repeated model call after an answered call: 1", StringComparison.Ordinal));
    }

    [Fact]
    public void ACallAfterAnAbandonedOneIsARepeatButNoProblem()
    {
        var step = Answered("t/k", callId: 2);
        RecordedCall[] calls = [new(1, "t/k", 10, 20, Answered: false), new(2, "t/k", 30, 40, Answered: true)];

        var findings = ChaosAudit.Run([step], calls, Ledgers(("t", 1_000, 200)), [], Cost);

        Assert.Equal((1, 0, 0, 1), (findings.Repeated, findings.RepeatedAfterAnswered, findings.Concurrent, findings.Abandoned));
        Assert.Empty(findings.Problems);
    }

    [Fact]
    public void ACallWhileAnotherForTheSameKeyRunsIsConcurrent()
    {
        var step = Answered("t/k", callId: 1);
        RecordedCall[] calls = [new(1, "t/k", 10, 40, Answered: true), new(2, "t/k", 20, 50, Answered: true)];

        var findings = ChaosAudit.Run([step], calls, Ledgers(("t", 1_000, 200)), [], Cost);

        Assert.Equal(1, findings.Concurrent);
        Assert.NotEmpty(findings.Problems);
    }

    [Fact]
    public void ALedgerBelowItsCallsOrAboveItsLimitOrAWrongAnswerIsAProblem()
    {
        Assert.Equal(1, ChaosAudit.Run([Answered("t/k", 1)], [new(1, "t/k", 10, 20, true), new(2, "t/k", 5, 9, false)], Ledgers(("t", 1_000, 150)), [], Cost).TasksBelowCost);
        Assert.Equal(1, ChaosAudit.Run([Answered("t/k", 1)], [new(1, "t/k", 10, 20, true)], Ledgers(("t", 100, 150)), [], Cost).TasksAboveLimit);
        Assert.Equal(1, ChaosAudit.Run([Answered("t/k", 1)], [new(1, "t/k", 10, 20, true)], Ledgers(), [], Cost).TasksBelowCost);
        Assert.Equal(1, ChaosAudit.Run([Answered("t/k", 1), Answered("t/j", 1)], [new(1, "t/k", 10, 20, true)], Ledgers(("t", 1_000, 100)), [], Cost).WrongAnswers);
    }

    [Fact]
    public void AnUnansweredKeyIsAProblemAndTheWaitIsFromTheRestartToTheAnswer()
    {
        var late = new KeyedStep("t", "a", firstSentTicks: 100) { AnsweredTicks = 100 + 3 * System.Diagnostics.Stopwatch.Frequency, AnswerCallId = 1 };
        var never = new KeyedStep("t", "b", firstSentTicks: 100);
        RecordedCall[] calls = [new(1, "t/a", 200, 300, true)];

        var findings = ChaosAudit.Run([late, never], calls, Ledgers(("t", 1_000, 100)), [new ChaosRestart(ChaosBench.Redis, 150, 150 + System.Diagnostics.Stopwatch.Frequency)], Cost);

        Assert.Equal((2, 1), (findings.Keys, findings.Answered));
        Assert.Contains(findings.Problems, p => p.StartsWith("unanswered: 1", StringComparison.Ordinal));
        Assert.InRange(findings.LongestWaitAfterRedisMs, 1_999, 2_001);
        Assert.Equal(0, findings.LongestWaitAfterRoutingUpMs);
    }

    private static KeyedStep Answered(string step, long callId)
    {
        var parts = step.Split('/');
        return new KeyedStep(parts[0], parts[1], firstSentTicks: 1) { AnsweredTicks = 2, AnswerCallId = callId };
    }

    private static Dictionary<string, ChaosLedger> Ledgers(params (string Task, long Limit, long Committed)[] ledgers) =>
        ledgers.ToDictionary(l => l.Task, l => new ChaosLedger(l.Limit, l.Committed, 0));
}
