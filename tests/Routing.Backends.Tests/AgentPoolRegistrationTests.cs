using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Routing.Backends.OpenAi;
using Routing.Backends.Pool;
using Routing.Simulation.Hosting;
using Routing.Simulation.Server;
using Routing.Testing;

namespace Routing.Backends.Tests;

/// <summary><c>AddAgentPool</c> end to end: the file at start, reload by polling (ConfigMap symlink swaps included), backends that answer.</summary>
[Collection(PoolMetricsCollection.Name)]
public sealed class AgentPoolRegistrationTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "routing-pool-" + Guid.NewGuid().ToString("N"));
    private ScriptedOpenAiServer _server = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _server = await ScriptedOpenAiServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task PoolFromTheFileServesHttpAndSimulatorAgents()
    {
        var file = Path.Combine(_directory, "agents.json");
        await File.WriteAllTextAsync(file, Pool(_server.BaseAddress, priceIn: 100));
        using var host = Host(file);
        await host.StartAsync();
        var pool = host.Services.GetRequiredService<IAgentPool>();

        var http = pool.Current.Agents.Single(a => a.Name == "scripted");
        var sim = pool.Current.Agents.Single(a => a.Name == "simulated");
        var answer = await pool.BackendFor(http).CompleteAsync(HttpBackendHarness.Call(), CancellationToken.None);
        var simulated = await pool.BackendFor(sim).CompleteAsync(HttpBackendHarness.Call(sim.Model) with { TaskId = "coding-0-3" }, CancellationToken.None);

        Assert.IsType<OpenAiChatBackend>(pool.BackendFor(http));
        Assert.IsType<SimulatorChatBackend>(pool.BackendFor(sim));
        Assert.Equal("scripted answer", answer.Content);
        Assert.True(simulated.Usage.CompletionTokens > 0);
        await host.StopAsync();
    }

    [Fact]
    public void WithoutTheSimulatorAPoolNamingSimIsRefusedNamingTheAgent()
    {
        using var host = Host("", withSimulator: false);
        var pool = host.Services.GetRequiredService<ConfiguredAgentPool>();

        var errors = pool.Apply(Pool(_server.BaseAddress, priceIn: 100), "test");

        Assert.Contains(errors, e => e.Contains("agent 'simulated'", StringComparison.Ordinal) && e.Contains("'sim:'", StringComparison.Ordinal));
        Assert.Empty(pool.Current.Agents);
    }

    [Fact]
    public async Task WithoutTheSimulatorUseSimulatorStopsStartUpNamingTheKey()
    {
        using var host = Host("", useSimulator: true, withSimulator: false);

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("Routing:AgentPool:UseSimulator", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigMapSymlinkSwapIsPickedUpAndABadVersionKeepsTheLastGoodPool()
    {
        // The layout kubelet writes: agents.json -> ..data/agents.json, ..data -> ..<timestamp>/, swapped atomically.
        var file = Path.Combine(_directory, "agents.json");
        WriteVersion("..v1", Pool(_server.BaseAddress, priceIn: 100));
        File.CreateSymbolicLink(Path.Combine(_directory, "..data"), "..v1");
        File.CreateSymbolicLink(file, "..data/agents.json");
        using var host = Host(file);
        await host.StartAsync();
        var pool = host.Services.GetRequiredService<IAgentPool>();
        var reloader = host.Services.GetRequiredService<AgentPoolFileReloader>();
        var failures = AgentPoolMetrics.ReloadFailures.Value;

        WriteVersion("..v2", Pool(_server.BaseAddress, priceIn: 200));
        SwapData("..v2");
        await reloader.PollOnceAsync(CancellationToken.None);
        var afterGood = pool.Current;
        WriteVersion("..v3", Pool(_server.BaseAddress, priceIn: -1));
        SwapData("..v3");
        var appliedBad = await reloader.PollOnceAsync(CancellationToken.None);
        await reloader.PollOnceAsync(CancellationToken.None);

        Assert.Equal(200, afterGood.Agents.Single(a => a.Name == "scripted").PriceInMicrosPerMTok);
        Assert.False(appliedBad);
        Assert.Same(afterGood, pool.Current);
        Assert.Equal(failures + 1, AgentPoolMetrics.ReloadFailures.Value);
        await host.StopAsync();
    }

    [Fact]
    public async Task ThePollerReloadsWithoutBeingAsked()
    {
        var file = Path.Combine(_directory, "agents.json");
        await File.WriteAllTextAsync(file, Pool(_server.BaseAddress, priceIn: 100));
        using var host = Host(file, pollSeconds: 1);
        await host.StartAsync();
        var pool = host.Services.GetRequiredService<IAgentPool>();
        var changed = new TaskCompletionSource<AgentPoolSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
        pool.Changed += snapshot => changed.TrySetResult(snapshot);

        await File.WriteAllTextAsync(file, Pool(_server.BaseAddress, priceIn: 300));
        var snapshot = await changed.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(300, snapshot.Agents.Single(a => a.Name == "scripted").PriceInMicrosPerMTok);
        await host.StopAsync();
    }

    [Fact]
    public async Task MissingFileStopsStartUpNamingTheSetting()
    {
        using var host = Host(Path.Combine(_directory, "absent.json"));

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("Routing:AgentPool:File", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Routing:Backends:MaxRetries", "9")]
    [InlineData("Routing:Backends:MaxTokensField", "max_output")]
    [InlineData("Routing:AgentPool:ReloadPollSeconds", "0")]
    public async Task BadSettingStopsStartUpNamingTheKey(string key, string value)
    {
        using var host = Host("", useSimulator: true, extra: new Dictionary<string, string?> { [key] = value });

        var failure = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(key, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutAFileTheSimulatorCanServeThePool()
    {
        using var host = Host("", useSimulator: true);
        await host.StartAsync();
        var pool = host.Services.GetRequiredService<IAgentPool>();
        var simulator = host.Services.GetRequiredService<SimulatedBackend>();

        Assert.Equal(simulator.Pool.Count, pool.Current.Agents.Count);
        Assert.All(pool.Current.Agents, a => Assert.Equal(SimulatorEndpoint.Endpoint, a.Endpoint));
        Assert.Equal(simulator.Pool[0].PriceOutMicrosPerMTok, pool.Current.Agents[0].PriceOutMicrosPerMTok);
        Assert.Equal(SimulatorServerOptions.DefaultSeed, simulator.Seed);
        await host.StopAsync();
    }

    [Fact]
    public async Task SimulatorPoolFactoryMatchesTheSimulatorsPricesAndAnswers()
    {
        var pool = SimulatorAgents.CreatePool(seed: 7);
        var cheapest = pool.Current.Agents[0];

        var answer = await pool.BackendFor(cheapest).CompleteAsync(HttpBackendHarness.Call(cheapest.Model) with { TaskId = "search-1-2" }, CancellationToken.None);

        Assert.Equal(Enumerable.Range(0, pool.Current.Agents.Count), pool.Current.Agents.Select(a => a.Tier));
        Assert.True(pool.Current.Agents.Zip(pool.Current.Agents.Skip(1)).All(p => p.First.PriceInMicrosPerMTok + p.First.PriceOutMicrosPerMTok <= p.Second.PriceInMicrosPerMTok + p.Second.PriceOutMicrosPerMTok));
        Assert.Equal(cheapest.Name, answer.BackendModel);
    }

    /// <param name="withSimulator">False builds the product's pool alone, as the executor image has it: no simulator plugged in.</param>
    private static IHost Host(string file, int pollSeconds = 3_600, bool useSimulator = false, Dictionary<string, string?>? extra = null, bool withSimulator = true)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Routing:AgentPool:File"] = file,
            ["Routing:AgentPool:ReloadPollSeconds"] = pollSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Routing:AgentPool:UseSimulator"] = useSimulator ? "true" : "false",
        });
        builder.Configuration.AddInMemoryCollection(extra ?? []);
        if (withSimulator)
        {
            builder.Services.AddSimulatorHosting(builder.Configuration);
        }
        builder.Services.AddAgentPool(builder.Configuration);
        return builder.Build();
    }

    private static string Pool(Uri endpoint, long priceIn) => $$"""
        {"agents":[
          {"name":"scripted","endpoint":"{{endpoint}}","model":"scripted-model","priceInMicrosPerMTok":{{priceIn}},"priceOutMicrosPerMTok":1000,"tier":0,"maxOutputTokens":256},
          {"name":"simulated","endpoint":"sim:","model":"{{SimulatorAgents.Definitions(new SimulatedBackend(Simulation.SimulatorModel.Default, 1, 1))[0].Model}}","priceInMicrosPerMTok":1,"priceOutMicrosPerMTok":1,"tier":1,"maxOutputTokens":256}
        ]}
        """;

    private void WriteVersion(string name, string content)
    {
        Directory.CreateDirectory(Path.Combine(_directory, name));
        File.WriteAllText(Path.Combine(_directory, name, "agents.json"), content);
    }

    private void SwapData(string target)
    {
        var temporary = Path.Combine(_directory, "..data_tmp");
        File.CreateSymbolicLink(temporary, target);

        // rename(2) replaces the link atomically, as kubelet does; File.Move refuses a link to a directory.
        Assert.Equal(0, Rename(temporary, Path.Combine(_directory, "..data")));
    }

    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int Rename([MarshalAs(UnmanagedType.LPUTF8Str)] string from, [MarshalAs(UnmanagedType.LPUTF8Str)] string to);
}
