using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Routing.Backends.OpenAi;
using Routing.Backends.Pool;
using Routing.Simulation;
using Routing.Simulation.Hosting;
using Routing.Simulation.Server;

namespace Routing.Backends.Tests;

/// <summary>
/// The in-process simulator backend against the real simulator server on loopback, called through the HTTP
/// backend: for the same seed and task, the same answers step by step.
/// </summary>
public sealed class SimulatorBackendTests : IAsyncLifetime
{
    private const ulong Seed = 4_242;
    private readonly HttpBackendHarness _harness = new();
    private SimulatorServer _server = null!;

    public async Task InitializeAsync() => _server = await SimulatorServer.StartAsync(new SimulatorServerOptions { Seed = Seed });

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _harness.Dispose();
    }

    [Theory]
    [InlineData("coding-2-5")]
    [InlineData("search-4-11.3")]
    public async Task InProcessAndHttpGiveTheSameAnswersForTheSameSeedAndTask(string task)
    {
        var inProcess = new SimulatorChatBackend(new SimulatedBackend(SimulatorModel.Default, Seed, maxTasks: 100));
        var pool = _server.Backend.Pool;
        var http = _harness.Backend(HttpBackendHarness.Agent(new Uri(_server.Address, "v1"), pool[0].Name));
        var steps = 0;
        for (var step = 0; step < 40; step++)
        {
            var call = new ChatCall
            {
                Model = pool[step % pool.Count].Name,
                Messages = [new ChatMessage("user", "next")],
                // Every third call is capped low: both backends cut the usage at the cap, as a real backend stops there.
                MaxTokens = step % 3 == 2 ? 16 : 4_096,
                TaskId = task,
                Logprobs = true,
                TopLogprobs = 3,
            };

            var local = await Outcome(() => inProcess.CompleteAsync(call, CancellationToken.None));
            var remote = await Outcome(() => http.CompleteAsync(call, CancellationToken.None));

            if (local.Failure is { } failure)
            {
                // The episode ended: both refuse the next step the same way.
                Assert.Equal(BackendFailure.Rejected, failure);
                Assert.Equal(failure, remote.Failure);
                break;
            }

            var a = local.Result!;
            var b = remote.Result!;
            Assert.Equal(a.Content, b.Content);
            Assert.Equal(a.Usage, b.Usage);
            Assert.Equal(a.FinishReason, b.FinishReason);
            Assert.Equal(a.BackendModel, b.BackendModel);
            Assert.Equal(a.Logprobs!.Select(l => (l.Token, l.Logprob)), b.Logprobs!.Select(l => (l.Token, l.Logprob)));
            Assert.Equal(a.Logprobs!.SelectMany(l => l.TopLogprobs), b.Logprobs!.SelectMany(l => l.TopLogprobs));
            Assert.True(a.Usage.PromptTokens > 0 && a.Usage.CompletionTokens > 0);
            Assert.InRange(a.Usage.CompletionTokens, 1, call.MaxTokens);
            steps++;
        }

        Assert.True(steps > 0);
    }

    [Fact]
    public async Task TheDeclaredPromptTokensAreWhatTheNextStepBills()
    {
        var backend = new SimulatorChatBackend(new SimulatedBackend(SimulatorModel.Default, Seed, maxTasks: 10));
        var pool = _server.Backend.Pool;
        var steps = 0;
        for (var step = 0; step < 40; step++)
        {
            var model = pool[(step * 7) % pool.Count].Name;
            var declared = backend.DeclaredPromptTokens("coding-4-9", model);
            if (declared is null)
            {
                // The episode has ended: the next call is refused without billing.
                await Assert.ThrowsAsync<BackendException>(() => backend.CompleteAsync(new ChatCall { Model = model, Messages = [new ChatMessage("user", "go")], MaxTokens = 64, TaskId = "coding-4-9" }, CancellationToken.None));
                break;
            }

            var result = await backend.CompleteAsync(new ChatCall { Model = model, Messages = [new ChatMessage("user", "go")], MaxTokens = 4_096, TaskId = "coding-4-9" }, CancellationToken.None);

            Assert.Equal(declared, result.Usage.PromptTokens);
            steps++;
        }

        Assert.True(steps > 1);
        Assert.Null(backend.DeclaredPromptTokens("not-a-task", pool[0].Name));
        Assert.Null(backend.DeclaredPromptTokens("coding-4-9", "no-such-model"));
    }

    [Fact]
    public async Task InProcessAndHttpStreamsAssembleToTheSameAnswer()
    {
        var inProcess = new SimulatorChatBackend(new SimulatedBackend(SimulatorModel.Default, Seed, maxTasks: 100));
        var model = _server.Backend.Pool[1].Name;
        var http = _harness.Backend(HttpBackendHarness.Agent(new Uri(_server.Address, "v1"), model));
        var call = new ChatCall { Model = model, Messages = [new ChatMessage("user", "go")], MaxTokens = 4_096, TaskId = "coding-1-7", Logprobs = true };

        var local = await inProcess.StreamAsync(call, CancellationToken.None).ToListAsync();
        var remote = await http.StreamAsync(call, CancellationToken.None).ToListAsync();

        Assert.Equal(local.Select(c => c.ContentDelta), remote.Select(c => c.ContentDelta));
        Assert.Equal(local[^1].Usage, remote[^1].Usage);
        Assert.Equal(local[^1].FinishReason, remote[^1].FinishReason);
        Assert.NotNull(local[^1].Usage);
        Assert.Equal(
            local.Where(c => c.Logprobs is not null).SelectMany(c => c.Logprobs!).Select(l => l.Logprob),
            remote.Where(c => c.Logprobs is not null).SelectMany(c => c.Logprobs!).Select(l => l.Logprob));
    }

    [Fact]
    public async Task StreamedAndCompletedAnswersAgree()
    {
        var completing = new SimulatorChatBackend(new SimulatedBackend(SimulatorModel.Default, Seed, maxTasks: 10));
        var streaming = new SimulatorChatBackend(new SimulatedBackend(SimulatorModel.Default, Seed, maxTasks: 10));
        var call = new ChatCall { Model = _server.Backend.Pool[0].Name, Messages = [new ChatMessage("user", "go")], MaxTokens = 4_096, TaskId = "search-0-1", Logprobs = true };

        var completed = await completing.CompleteAsync(call, CancellationToken.None);
        var streamed = await streaming.StreamAsync(call, CancellationToken.None).ToListAsync();

        Assert.Equal(completed.Content, string.Concat(streamed.Select(c => c.ContentDelta)));
        Assert.Equal(completed.Usage, streamed[^1].Usage);
        Assert.Equal(completed.FinishReason, streamed[^1].FinishReason);
        Assert.Equal(completed.Logprobs!.Select(l => l.Logprob), streamed.Where(c => c.Logprobs is not null).SelectMany(c => c.Logprobs!).Select(l => l.Logprob));
    }

    [Fact]
    public async Task PoolsOfTheSimulatorsAgentsInProcessAndOverHttpAnswerAlike()
    {
        var inProcess = SimulatorAgents.CreatePool(Seed);
        using var services = new ServiceCollection()
            .AddLogging()
            .AddAgentPool(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Routing:AgentPool:File"] = "" }).Build())
            .BuildServiceProvider();
        var overHttp = services.GetRequiredService<ConfiguredAgentPool>();
        Assert.Empty(overHttp.Apply(SimulatorAgents.Definitions(_server.Backend, new Uri(_server.Address, "v1")), "test"));

        foreach (var (local, remote) in inProcess.Current.Agents.Zip(overHttp.Current.Agents))
        {
            var call = new ChatCall { Model = local.Model, Messages = [new ChatMessage("user", "go")], MaxTokens = local.MaxOutputTokens, TaskId = "coding-3-" + local.Tier };

            var a = await inProcess.BackendFor(local).CompleteAsync(call, CancellationToken.None);
            var b = await overHttp.BackendFor(remote).CompleteAsync(call, CancellationToken.None);

            Assert.Equal((local.Name, local.PriceInMicrosPerMTok, local.PriceOutMicrosPerMTok, local.Tier), (remote.Name, remote.PriceInMicrosPerMTok, remote.PriceOutMicrosPerMTok, remote.Tier));
            Assert.IsType<OpenAiChatBackend>(overHttp.BackendFor(remote));
            Assert.Equal((a.Content, a.Usage, a.FinishReason), (b.Content, b.Usage, b.FinishReason));
        }
    }

    [Theory]
    [InlineData(null, "needs the call's task id")]
    [InlineData("not-a-task", "Invalid simulator task id")]
    public async Task CallWithoutAUsableTaskIdIsRejected(string? task, string expected)
    {
        var backend = new SimulatorChatBackend(new SimulatedBackend(SimulatorModel.Default, Seed, maxTasks: 10));
        var call = new ChatCall { Model = _server.Backend.Pool[0].Name, Messages = [new ChatMessage("user", "go")], MaxTokens = 100, TaskId = task };

        var failure = await Assert.ThrowsAsync<BackendException>(() => backend.CompleteAsync(call, CancellationToken.None));

        Assert.Equal(BackendFailure.Rejected, failure.Failure);
        Assert.False(failure.MayHaveBeenBilled);
        Assert.Contains(expected, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownModelIsRejectedNamingTheServedOnes()
    {
        var simulator = new SimulatedBackend(SimulatorModel.Default, Seed, maxTasks: 10);
        var backend = new SimulatorChatBackend(simulator);
        var call = new ChatCall { Model = "gpt-nonexistent", Messages = [new ChatMessage("user", "go")], MaxTokens = 100, TaskId = "coding-0-0" };

        var failure = await Assert.ThrowsAsync<BackendException>(() => backend.CompleteAsync(call, CancellationToken.None));

        Assert.Equal(BackendFailure.Rejected, failure.Failure);
        Assert.Contains(simulator.Pool[0].Name, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TooManyEpisodesIsUnavailableLikeAnOverloadedServer()
    {
        var simulator = new SimulatedBackend(SimulatorModel.Default, Seed, maxTasks: 1);
        var backend = new SimulatorChatBackend(simulator);
        var call = new ChatCall { Model = simulator.Pool[0].Name, Messages = [new ChatMessage("user", "go")], MaxTokens = 100, TaskId = "coding-0-0" };
        await backend.CompleteAsync(call, CancellationToken.None);

        var failure = await Assert.ThrowsAsync<BackendException>(() => backend.CompleteAsync(call with { TaskId = "coding-0-1" }, CancellationToken.None));

        Assert.Equal(BackendFailure.Unavailable, failure.Failure);
        Assert.False(failure.MayHaveBeenBilled);
    }

    private static async Task<(ChatResult? Result, BackendFailure? Failure)> Outcome(Func<Task<ChatResult>> call)
    {
        try
        {
            return (await call(), null);
        }
        catch (BackendException e)
        {
            return (null, e.Failure);
        }
    }
}
