using System.Net;
using System.Net.Sockets;
using Routing.Testing;

namespace Routing.Backends.Tests;

/// <summary>Every way an HTTP backend fails maps to one <see cref="BackendFailure"/>, retried only where nothing can have been billed.</summary>
public sealed class OpenAiFailureTests : ScriptedServerTest
{
    [Theory]
    [InlineData("{not json")]
    [InlineData("[]")]
    [InlineData("""{"choices":[]}""")]
    [InlineData("""{"choices":[{"message":{"role":"assistant","content":"x"},"finish_reason":"stop"}],"usage":{"prompt_tokens":"ten","completion_tokens":1}}""")]
    [InlineData("""{"choices":[{"message":{"role":"assistant","content":42},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1}}""")]
    [InlineData("""{"error":{"message":"engine overloaded"}}""")]
    public async Task MalformedAnswerIsBadResponseAndBilled(string body)
    {
        Server.Enqueue(ScriptedReply.Raw(body));

        var failure = await FailAsync();

        AssertFailedOnce(failure, BackendFailure.BadResponse, billed: true);
    }

    [Fact]
    public async Task AnswerWithoutUsageIsBadResponseNotAGuess()
    {
        Server.Enqueue(new ScriptedReply { OmitUsage = true });

        var failure = await FailAsync();

        Assert.Equal(BackendFailure.BadResponse, failure.Failure);
        Assert.Contains("usage", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(400, BackendFailure.Rejected, false)]
    [InlineData(401, BackendFailure.Rejected, false)]
    [InlineData(404, BackendFailure.Rejected, false)]
    [InlineData(422, BackendFailure.Rejected, false)]
    [InlineData(408, BackendFailure.Timeout, true)]
    [InlineData(500, BackendFailure.Unavailable, true)]
    [InlineData(502, BackendFailure.Unavailable, true)]
    [InlineData(504, BackendFailure.Unavailable, true)]
    public async Task ErrorStatusMapsToItsFailureWithTheBackendsMessageAndIsNotRetried(int status, BackendFailure expected, bool billed)
    {
        // 4xx: refused before any work. 5xx other than 503: the server may have failed after generating.
        Server.Enqueue(ScriptedReply.Error(status, "max_tokens is too large for this model"));

        var failure = await FailAsync();

        AssertFailedOnce(failure, expected, billed: billed);
        Assert.Contains("max_tokens is too large for this model", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(429)]
    [InlineData(503)]
    public async Task OverloadAnsweredBeforeAnyWorkIsRetriedHonouringRetryAfter(int status)
    {
        Server.Enqueue(ScriptedReply.Error(status, "slow down", retryAfter: "0"), new ScriptedReply { Content = "finally" });
        var backend = Harness.Backend(HttpBackendHarness.Agent(Server.BaseAddress));

        var result = await backend.CompleteAsync(HttpBackendHarness.Call(), CancellationToken.None);

        Assert.Equal("finally", result.Content);
        Assert.Equal(2, Server.Requests.Count);
    }

    [Fact]
    public async Task RetriesAreBoundedAndThenUnavailableUnbilled()
    {
        Server.DefaultReply = ScriptedReply.Error(429, "rate limited");

        var failure = await FailAsync();

        Assert.Equal(BackendFailure.Unavailable, failure.Failure);
        Assert.False(failure.MayHaveBeenBilled);
        Assert.Equal(Harness.Options.MaxRetries + 1, Server.Requests.Count);
    }

    [Fact]
    public async Task RetryAfterLongerThanAllowedFailsAtOnce()
    {
        Server.Enqueue(ScriptedReply.Error(503, "come back in an hour", retryAfter: "3600"));

        var failure = await FailAsync();

        AssertFailedOnce(failure, BackendFailure.Unavailable, billed: false);
    }

    [Fact]
    public async Task TimeoutMidGenerationIsBilledAndNeverRetried()
    {
        using var harness = new HttpBackendHarness(new Dictionary<string, string?> { ["Routing:Backends:Timeout"] = HttpBackendHarness.Seconds(0.3) });
        Server.DefaultReply = new ScriptedReply { Delay = TimeSpan.FromSeconds(3) };
        var backend = harness.Backend(HttpBackendHarness.Agent(Server.BaseAddress));

        var failure = await Assert.ThrowsAsync<BackendException>(() => backend.CompleteAsync(HttpBackendHarness.Call(), CancellationToken.None));

        AssertFailedOnce(failure, BackendFailure.Timeout, billed: true);
    }

    [Fact]
    public async Task ConnectionRefusedIsUnavailableAndUnbilled()
    {
        var backend = Harness.Backend(HttpBackendHarness.Agent(new Uri($"http://127.0.0.1:{ClosedPort()}/v1")));

        var failure = await Assert.ThrowsAsync<BackendException>(() => backend.CompleteAsync(HttpBackendHarness.Call(), CancellationToken.None));

        Assert.Equal(BackendFailure.Unavailable, failure.Failure);
        Assert.False(failure.MayHaveBeenBilled);
    }

    [Fact]
    public async Task CircuitOpensAfterRepeatedFailuresAndStopsCallingTheBackend()
    {
        using var harness = new HttpBackendHarness(new Dictionary<string, string?>
        {
            ["Routing:Backends:BreakerMinimumThroughput"] = "3",
            ["Routing:Backends:BreakerFailureRatio"] = "0.5",
            ["Routing:Backends:BreakerBreakDuration"] = "00:01:00",
        });
        Server.DefaultReply = ScriptedReply.Error(500, "down");
        var backend = harness.Backend(HttpBackendHarness.Agent(Server.BaseAddress));
        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<BackendException>(() => backend.CompleteAsync(HttpBackendHarness.Call(), CancellationToken.None));
        }

        var failure = await Assert.ThrowsAsync<BackendException>(() => backend.CompleteAsync(HttpBackendHarness.Call(), CancellationToken.None));

        Assert.Equal(BackendFailure.Unavailable, failure.Failure);
        Assert.False(failure.MayHaveBeenBilled);
        Assert.Contains("circuit open", failure.Message, StringComparison.Ordinal);
        Assert.Equal(3, Server.Requests.Count);
    }

    [Fact]
    public async Task OpenCircuitLetsATrialCallThroughAfterTheBreakAndClosesOnSuccess()
    {
        using var harness = new HttpBackendHarness(new Dictionary<string, string?>
        {
            ["Routing:Backends:BreakerMinimumThroughput"] = "2",
            // Long enough that the call right after the failures still finds the circuit open on a loaded machine.
            ["Routing:Backends:BreakerBreakDuration"] = HttpBackendHarness.Seconds(3),
        });
        Server.Enqueue(ScriptedReply.Error(500, "down"), ScriptedReply.Error(500, "down"));
        var backend = harness.Backend(HttpBackendHarness.Agent(Server.BaseAddress));
        for (var i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<BackendException>(() => backend.CompleteAsync(HttpBackendHarness.Call(), CancellationToken.None));
        }

        var open = await Assert.ThrowsAsync<BackendException>(() => backend.CompleteAsync(HttpBackendHarness.Call(), CancellationToken.None));
        var recovered = await Eventually.ReturnsAsync(
            () => backend.CompleteAsync(HttpBackendHarness.Call(), CancellationToken.None), _ => true, TimeSpan.FromSeconds(10), "the circuit closing again");

        Assert.Contains("circuit open", open.Message, StringComparison.Ordinal);
        Assert.Equal("scripted answer", recovered.Content);
        Assert.Equal(3, Server.Requests.Count);
    }

    [Fact]
    public async Task BackendThatLetsTheDeadlinePassOpensTheCircuit()
    {
        using var harness = new HttpBackendHarness(new Dictionary<string, string?>
        {
            ["Routing:Backends:Timeout"] = HttpBackendHarness.Seconds(0.2),
            ["Routing:Backends:BreakerMinimumThroughput"] = "3",
            ["Routing:Backends:BreakerBreakDuration"] = "00:01:00",
        });
        Server.DefaultReply = new ScriptedReply { Delay = TimeSpan.FromSeconds(3) };
        var backend = harness.Backend(HttpBackendHarness.Agent(Server.BaseAddress));
        for (var i = 0; i < 3; i++)
        {
            var timeout = await Assert.ThrowsAsync<BackendException>(() => backend.CompleteAsync(HttpBackendHarness.Call(), CancellationToken.None));
            Assert.Equal(BackendFailure.Timeout, timeout.Failure);
        }

        var failure = await Assert.ThrowsAsync<BackendException>(() => backend.CompleteAsync(HttpBackendHarness.Call(), CancellationToken.None));

        Assert.Contains("circuit open", failure.Message, StringComparison.Ordinal);
        Assert.Equal(3, Server.Requests.Count);
    }

    [Fact]
    public async Task CallersGivingUpDoNotOpenTheCircuit()
    {
        using var harness = new HttpBackendHarness(new Dictionary<string, string?>
        {
            ["Routing:Backends:BreakerMinimumThroughput"] = "3",
            ["Routing:Backends:BreakerBreakDuration"] = "00:01:00",
        });
        Server.Enqueue(Enumerable.Repeat(new ScriptedReply { Delay = TimeSpan.FromSeconds(3) }, 3).ToArray());
        var backend = harness.Backend(HttpBackendHarness.Agent(Server.BaseAddress));
        for (var i = 0; i < 3; i++)
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => backend.CompleteAsync(HttpBackendHarness.Call(), cancel.Token));
        }

        var result = await backend.CompleteAsync(HttpBackendHarness.Call(), CancellationToken.None);

        // Answered, not refused by an open circuit (that throws "circuit open"). How many of the abandoned calls
        // reached the server first is not asserted: on a loaded machine a caller can give up before sending.
        Assert.Equal("scripted answer", result.Content);
    }

    private Task<BackendException> FailAsync()
    {
        var backend = Harness.Backend(HttpBackendHarness.Agent(Server.BaseAddress));
        return Assert.ThrowsAsync<BackendException>(() => backend.CompleteAsync(HttpBackendHarness.Call(), CancellationToken.None));
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
