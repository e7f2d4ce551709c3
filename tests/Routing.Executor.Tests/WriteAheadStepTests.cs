using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Routing.Contracts.Budget.V1;
using Routing.Contracts.Executor.V1;
using Routing.Executor.Episodes;
using Routing.Executor.Tasks;
using Routing.Testing;
using StackExchange.Redis;
using Xunit;

namespace Routing.Executor.Tests;

/// <summary>
/// What a retry finds after the executor that ran a keyed step died (kill -9): the claim record that died with
/// it is written here as begin_step.lua, beat_step.lua and answer_step.lua leave it, with an owner whose heartbeat
/// stopped long ago, against a real reservation on the budget service.
/// </summary>
public sealed class WriteAheadStepTests(SharedExecutorStack shared) : IClassFixture<SharedExecutorStack>
{
    private ExecutorStack Stack => shared.Stack;

    [Fact]
    public async Task AnAnsweredStepWhoseExecutorDiedIsSettledAndReturnedWithoutASecondModelCall()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 1_000_000);
        var reservation = await ReserveAsync(taskId, 5_000);
        var answer = new StepResponse { Content = "answer of the dead attempt", CostMicros = 1_234, StepIndex = 0, Decision = new RoutingDecision { Agent = "small" } };
        await WriteClaimAsync(taskId, "k", "answered", reservation.ReservationId, 5_000,
            ("answer", Convert.ToBase64String(answer.ToByteArray())), ("cost", "1234"));

        var request = ExecutorStack.Step(taskId);
        request.IdempotencyKey = "k";
        var retried = await Stack.Client.StepAsync(request, ExecutorStack.Acme);
        var again = await Stack.Client.StepAsync(request, ExecutorStack.Acme);
        var ledger = await Stack.LedgerAsync(taskId);

        Assert.True(retried.Replayed);
        Assert.Equal("answer of the dead attempt", retried.Content);
        Assert.Equal("answer of the dead attempt", again.Content);
        Assert.DoesNotContain(Stack.Backend.Requests, r => r.Header("X-Routing-Task-Id") == taskId);
        Assert.Equal(1_234, ledger.CommittedMicros);
        Assert.Equal(0, ledger.ReservedMicros);
        // The dead attempt's episode line is written once, by whoever settled it.
        Assert.Single(await Stack.EpisodeRecordsAsync(taskId), r => r.GetProperty("kind").GetString() == "step");
    }

    [Fact]
    public async Task AnOrphanedReservationIsCommittedAtItsAmountAsAnUnknownOutcomeAndTheStepRunsOnce()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 1_000_000);
        var reservation = await ReserveAsync(taskId, 5_000);
        await WriteClaimAsync(taskId, "k", "running", reservation.ReservationId, 5_000);

        var request = ExecutorStack.Step(taskId);
        request.IdempotencyKey = "k";
        // The first look only suspects the stale heartbeat; half a TTL later, with no beat since, the owner is dead.
        var suspected = await Assert.ThrowsAsync<RpcException>(() => Stack.Client.StepAsync(request, ExecutorStack.Acme).ResponseAsync);
        await Task.Delay(HalfHeartbeatTtl);
        var ran = await Stack.Client.StepAsync(request, ExecutorStack.Acme);
        var replay = await Stack.Client.StepAsync(request, ExecutorStack.Acme);
        var ledger = await Stack.LedgerAsync(taskId);
        var records = await Stack.EpisodeRecordsAsync(taskId);

        Assert.Equal(StatusCode.Aborted, suspected.StatusCode);
        Assert.False(ran.Replayed);
        Assert.True(replay.Replayed);
        Assert.Single(Stack.Backend.Requests, r => r.Header("X-Routing-Task-Id") == taskId);
        Assert.Equal(5_000 + ran.CostMicros, ledger.CommittedMicros);
        Assert.Equal(1, ledger.ReservationsUnknownOutcome);
        Assert.Equal(new[] { "unknown_outcome", "ok" }, records.Select(r => r.GetProperty("result").GetString() ?? "").ToArray());
    }

    [Theory]
    [InlineData(null, "a stale heartbeat is first only suspected: Redis may just be back from an outage")]
    [InlineData("1", "the owner beat after an earlier suspicion (beat 2 > suspect 1), so it is suspected afresh")]
    public async Task AStaleHeartbeatIsSuspectedBeforeItsOwnerIsTakenForDead(string? suspectedAtMs, string why)
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 1_000_000);
        var reservation = await ReserveAsync(taskId, 5_000);
        (string, string)[] suspicion = suspectedAtMs is null ? [] : [("suspect", suspectedAtMs)];
        await WriteClaimAsync(taskId, "k", "running", reservation.ReservationId, 5_000, beatMs: 2, suspicion);
        var request = ExecutorStack.Step(taskId);
        request.IdempotencyKey = "k";

        var error = await Assert.ThrowsAsync<RpcException>(() => Stack.Client.StepAsync(request, ExecutorStack.Acme).ResponseAsync);
        var ledger = await Stack.LedgerAsync(taskId);
        using var redis = await ConnectionMultiplexer.ConnectAsync(TestRedis.ConnectionString);
        var claim = await redis.GetDatabase().HashGetAsync(ClaimKey(taskId, "k"), ["owner", "suspect"]);

        Assert.True(error.StatusCode == StatusCode.Aborted, why);
        Assert.Equal("dead-executor", claim[0].ToString());
        Assert.True((long)claim[1] > 2, $"{why}: the retry records when it suspected the owner");
        Assert.DoesNotContain(Stack.Backend.Requests, r => r.Header("X-Routing-Task-Id") == taskId);
        Assert.Equal(0, ledger.ReservationsUnknownOutcome);
        Assert.Equal(5_000, ledger.ReservedMicros);
    }

    [Fact]
    public async Task AClaimWhoseOwnerStillHeartbeatsIsAborted()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 1_000_000);
        await WriteClaimAsync(taskId, "k", "running", null, 0, beatMs: long.MaxValue / 2);

        var request = ExecutorStack.Step(taskId);
        request.IdempotencyKey = "k";
        var error = await Assert.ThrowsAsync<RpcException>(() => Stack.Client.StepAsync(request, ExecutorStack.Acme).ResponseAsync);

        Assert.Equal(StatusCode.Aborted, error.StatusCode);
    }

    [Fact]
    public async Task ATaskAndKeyPairNeverReplaysAnotherPairsAnswer()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 1_000_000);
        await Stack.OpenAsync(taskId + ":x", 1_000_000);
        var first = ExecutorStack.Step(taskId, content: "first");
        first.IdempotencyKey = "x:y";
        var second = ExecutorStack.Step(taskId + ":x", content: "second");
        second.IdempotencyKey = "y";

        await Stack.Client.StepAsync(first, ExecutorStack.Acme);
        var other = await Stack.Client.StepAsync(second, ExecutorStack.Acme);

        Assert.False(other.Replayed);
        Assert.Equal(0, other.StepIndex);
    }

    [Fact]
    public async Task AKeyReusedWithAnotherBodyIsRefusedBeforeAnythingOfTheEarlierAttemptIsSettled()
    {
        var taskId = ExecutorStack.NewTaskId();
        await Stack.OpenAsync(taskId, 1_000_000);
        var reservation = await ReserveAsync(taskId, 5_000);
        var first = new string('0', 64);
        await WriteClaimAsync(taskId, "k", "running", reservation.ReservationId, 5_000, ("fingerprint", first));

        var request = ExecutorStack.Step(taskId);
        request.IdempotencyKey = "k";
        var error = await Assert.ThrowsAsync<RpcException>(() => Stack.Client.StepAsync(request, ExecutorStack.Acme).ResponseAsync);
        var ledger = await Stack.LedgerAsync(taskId);
        using var redis = await ConnectionMultiplexer.ConnectAsync(TestRedis.ConnectionString);
        var claim = await redis.GetDatabase().HashGetAsync(ClaimKey(taskId, "k"), ["state", "owner", "attempt", "fingerprint"]);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.DoesNotContain(Stack.Backend.Requests, r => r.Header("X-Routing-Task-Id") == taskId);
        Assert.Equal(0, ledger.CommittedMicros);
        Assert.Equal(5_000, ledger.ReservedMicros);
        Assert.Equal(new[] { "running", "dead-executor", "1", first }, claim.Select(v => v.ToString()).ToArray());
    }

    /// <summary>A little over half of the stack's heartbeat TTL: how long a suspected owner has to beat again.</summary>
    private TimeSpan HalfHeartbeatTtl =>
        Stack.Services.GetRequiredService<StepClaims>().HeartbeatTtl / 2 + TimeSpan.FromMilliseconds(200);

    private async Task<ReserveResponse> ReserveAsync(string taskId, long amount) =>
        await Stack.Budget!.ReserveAsync(new ReserveRequest
        {
            Tenant = "acme", TaskId = taskId, AmountMicros = amount, IdempotencyKey = "dead-attempt", CommitOnExpiry = true, LeaseSeconds = 600,
        });

    /// <summary>The claim record as the dead executor left it, its heartbeat long ago.</summary>
    private async Task WriteClaimAsync(string taskId, string key, string state, string? reservationId, long reserved, params (string Field, string Value)[] extra) =>
        await WriteClaimAsync(taskId, key, state, reservationId, reserved, 0, extra);

    private async Task WriteClaimAsync(string taskId, string key, string state, string? reservationId, long reserved, long beatMs, params (string Field, string Value)[] extra)
    {
        using var redis = await ConnectionMultiplexer.ConnectAsync(TestRedis.ConnectionString);
        var db = redis.GetDatabase();
        var started = await db.HashIncrementAsync($"{Stack.KeyPrefix}task:{{acme}}:{taskId}", "started");
        var episode = new EpisodeRecord
        {
            Kind = EpisodeRecord.StepKind, Tenant = "acme", TaskId = taskId, TimestampMs = 1, Step = (int)started - 1, Agent = "small",
            CostMicros = reserved, ReservedMicros = reserved, Result = state == "answered" ? "ok" : EpisodeRecord.UnknownOutcome,
        };
        var fields = new List<HashEntry>
        {
            new("state", state), new("owner", "dead-executor"), new("attempt", 1), new("step", started - 1),
            new("beat", beatMs.ToString(CultureInfo.InvariantCulture)),
        };
        if (reservationId is not null)
        {
            fields.Add(new("rid", reservationId));
            fields.Add(new("reserved", reserved));
            fields.Add(new("episode", JsonSerializer.Serialize(episode, EpisodeJsonContext.Default.EpisodeRecord)));
        }
        fields.AddRange(extra.Select(e => new HashEntry(e.Field, e.Value)));
        await db.HashSetAsync(ClaimKey(taskId, key), [.. fields]);
    }

    private string ClaimKey(string taskId, string key) => $"{Stack.KeyPrefix}step:{{acme}}:{Encoding.UTF8.GetByteCount(taskId)}:{taskId}:{key}";
}
