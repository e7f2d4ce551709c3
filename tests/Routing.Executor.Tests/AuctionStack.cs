using System.Globalization;
using Routing.Contracts.Memory.V1;
using Routing.Simulation.Server;
using Routing.Testing;

namespace Routing.Executor.Tests;

/// <summary>
/// An executor whose pool is four agents served by the OpenAI-compatible simulator endpoint
/// (<see cref="SimulatorServer"/> on loopback, reached through the real HTTP backend), with the real memory,
/// budget and policy services on loopback. Simulated task ids (<c>coding-1-3</c>) let the simulator answer the
/// auction's bid, jury and refine calls.
/// </summary>
public sealed class AuctionStack : IAsyncDisposable
{
    /// <summary>Agent names and their price in and out, µ$ per million tokens (cheapest first).</summary>
    public static readonly (string Name, long Price)[] Pool = [("qwen3-4b", 50_000), ("qwen3-8b", 90_000), ("qwen3-14b", 160_000), ("qwen3-32b", 360_000)];

    private readonly SimulatorServer _simulator;
    private readonly MemoryServiceInstance _memory;
    private readonly string _agentsFile;

    private AuctionStack(SimulatorServer simulator, MemoryServiceInstance memory, ExecutorStack executor, string agentsFile)
    {
        _simulator = simulator;
        _memory = memory;
        Executor = executor;
        _agentsFile = agentsFile;
        Memory = memory.Client;
    }

    public ExecutorStack Executor { get; }

    public MemoryService.MemoryServiceClient Memory { get; }

    public static async Task<AuctionStack> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var simulator = await SimulatorServer.StartAsync(new SimulatorServerOptions { Port = 0, Seed = 4_242 });
        var memory = await MemoryServiceInstance.StartAsync();
        var agentsFile = Path.Combine(Path.GetTempPath(), $"routing-auction-agents-{Guid.NewGuid():N}.json");
        var endpoint = new Uri(simulator.Address, "v1");
        var agents = string.Join(",\n", Pool.Select((p, i) => string.Create(CultureInfo.InvariantCulture,
            $$"""{"name":"{{p.Name}}","endpoint":"{{endpoint}}","model":"{{p.Name}}","priceInMicrosPerMTok":{{p.Price}},"priceOutMicrosPerMTok":{{p.Price}},"tier":{{(i < 2 ? 0 : 1)}},"maxOutputTokens":4096}""")));
        await File.WriteAllTextAsync(agentsFile, $$"""{"agents":[{{agents}}]}""");
        var configuration = new Dictionary<string, string?>
        {
            ["Routing:AgentPool:File"] = agentsFile,
            ["Routing:Executor:FallbackAgent"] = Pool[0].Name,
            ["Routing:Executor:MemoryAddress"] = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{memory.Endpoint.GrpcPort}"),
            ["Routing:Backends:Timeout"] = "00:00:20",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }
        var executor = await ExecutorStack.StartAsync(settings: configuration);
        return new AuctionStack(simulator, memory, executor, agentsFile);
    }

    public async ValueTask DisposeAsync()
    {
        await Executor.DisposeAsync();
        await _memory.DisposeAsync();
        await _simulator.DisposeAsync();
        File.Delete(_agentsFile);
    }
}

/// <summary>One auction stack for a test class; tests keep apart by their own simulated task ids.</summary>
public sealed class SharedAuctionStack : Xunit.IAsyncLifetime
{
    private AuctionStack? _stack;

    public AuctionStack Stack => _stack ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _stack = await AuctionStack.StartAsync();

    public async Task DisposeAsync()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }
    }
}
