using System.Net;
using System.Net.Sockets;
using Routing.Testing;

namespace Routing.Backends.Tests;

/// <summary>Every way an HTTP backend fails maps to one <see cref="BackendFailure"/>, retried only where nothing can have been billed.</summary>
public sealed class OpenAiFailureTests : IAsyncLifetime
{
    private readonly HttpBackendHarness _harness = new();
    private ScriptedOpenAiServer _server = null!;

    public async Task InitializeAsync() => _server = await ScriptedOpenAiServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _harness.Dispose();
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[]")]
    [InlineData("""{"choices":[]}""")]
    [InlineData("""{"choices":[{"message":{"role":"assistant","content":"x"},"finish_reason":"stop"}],"usage":{"prompt_tokens":"ten","completion_tokens":1}}""")]
    [InlineData("""{"choices":[{"message":{"role":"assistant","content":42},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1}}""")]
    [InlineData("""{"error":{"message":"engine overloaded"}}""")]
    public async Task MalformedAnswerIsBadResponseAndBilled(string body)
    {
        _server.Enqueue(ScriptedReply.Raw(body));

        var failure = await FailAsync();

        Assert.Equal(BackendFailure.BadResponse, failure.Failure);
        Assert.True(failure.MayHaveBeenBilled);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task AnswerWithoutUsageIsBadResponseNotAGuess()
    {
        _server.Enqueue(new ScriptedReply { OmitUsage = true });

        var failure = await FailAsync();

        Assert.Equal(BackendFailure.BadResponse, failure.Failure);
        Assert.Contains("usage", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(404)]
    [InlineData(422)]
    public async Task ClientErrorIsRejectedWithTheBackendsMessageAndNotRetried(int status)
    {
        _server.Enqueue(ScriptedReply.Error(status, "max_tokens is too large for this model"));

        var failure = await FailAsync();

        Assert.Equal(BackendFailure.Rejected, failure.Failure);
        Assert.False(failure.MayHaveBeenBilled);
        Assert.Contains("max_tokens is too large for this model", failure.Message, StringComparison.Ordinal);
        Assert.Single(_server.Requests);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(504)]
    public async Task ServerErrorIsUnavailableMayBeBilledAndNotRetried(int status)
    {
        _server.Enqueue(ScriptedReply.Error(status, "engine crashed"));

        var failure = await FailAsync();

        Assert.Equal(BackendFailure.Unavailable, failure.Failure);
        Assert.True(failure.MayHaveBeenBilled);
        Assert.Contains("engine crashed", failure.Message, StringComparison.Ordinal);
        Assert.Single(_server.Requests);
    }

    [Theory]
    [InlineData(429)]
    [InlineData(503)]
    public async Task OverloadAnsweredBeforeAnyWorkIsRetriedHonouringRetryAfter(int status)
    {
        _server.Enqueue(ScriptedReply.Error(status, "slow down", retryAfter: "0"), new ScriptedReply { Content = "finally" });
        var backend = _harness.Backend(HttpBackendHarness.Agent(_server.BaseAddress));

        var result = await backend.CompleteAsync(HttpBackendHarness.Call(), CancellationToken.None);

        Assert.Equal("finally", result.Content);
        Assert.Equal(2, _server.Requests.Count);
    }

    [Fact]
    public async Task RetriesAreBoundedAndThenUnavailableUnbilled()
    {
        _server.DefaultReply = ScriptedReply.Error(429, "rate limited");

        var failure = await FailAsync();

        Assert.Equal(BackendFailure.Unavailable, failure.Failure);
        Assert.False(failure.MayHaveBeenBilled);
        Assert.Equal(_harness.Options.MaxRetries + 1, _server.Requests.Count);
    }

    [Fact]
    public async Task RetryAfterLongerThanAllowedFailsAtOnce()
    {
        _server.Enqueue(ScriptedReply.Error(503, "come back in an hour", retryAfter: "3600"));

        var failure = await FailAsync();

        Assert.Equal(BackendFailure.Unavailable, failure.Failure);
        Assert.False(failure.MayHaveBeenBilled);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task TimeoutMidGenerationIsBilledAndNeverRetried()
    {
        using var harness = new HttpBackendHarness(new Dictionary<string, string?> { ["Routing:Backends:Timeout"] = HttpBackendHarness.Seconds(0.3) });
        _server.DefaultReply = new ScriptedReply { Delay = TimeSpan.FromSeconds(3) };
        var backend = harness.Backend(HttpBackendHarness.Agent(_server.BaseAddress));

        var failure = await Assert.ThrowsAsync<BackendException>(() => backend.CompleteAsync(HttpBackendHarness.Call(), CancellationToken.None));

        Assert.Equal(BackendFailure.Timeout, failure.Failure);
        Assert.True(failure.MayHaveBeenBilled);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task ConnectionRefusedIsUnavailableAndUnbilled()
    {
        var backend = _harness.Backend(HttpBackendHarness.Agent(new Uri($"http://127.0.0.1:{ClosedPort()}/v1")));

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
        _server.DefaultReply = ScriptedReply.Error(500, "down");
        var backend = harness.Backend(HttpBackendHarness.Agent(_server.BaseAddress));
        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<BackendException>(() => backend.CompleteAsync(HttpBackendHarness.Call(), CancellationToken.None));
        }

        var failure = await Assert.ThrowsAsync<BackendException>(() => backend.CompleteAsync(HttpBackendHarness.Call(), CancellationToken.None));

        Assert.Equal(BackendFailure.Unavailable, failure.Failure);
        Assert.False(failure.MayHaveBeenBilled);
        Assert.Contains("circuit open", failure.Message, StringComparison.Ordinal);
        Assert.Equal(3, _server.Requests.Count);
    }

    private Task<BackendException> FailAsync()
    {
        var backend = _harness.Backend(HttpBackendHarness.Agent(_server.BaseAddress));
        return Assert.ThrowsAsync<BackendException>(() => backend.CompleteAsync(HttpBackendHarness.Call(), CancellationToken.None));
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
