using Routing.Backends;
using Routing.Backends.Pool;
using Routing.Sale.Auction;
using Routing.Simulation;
using Routing.Simulation.Hosting;
using Routing.Simulation.Server;

namespace Routing.Sale.Tests;

/// <summary>The SALE pool's four agents, as names and prices, and served by the in-process simulator backend.</summary>
internal static class SimulatedPool
{
    public static readonly (string Name, long Price)[] Agents = [("qwen3-4b", 50_000), ("qwen3-8b", 90_000), ("qwen3-14b", 160_000), ("qwen3-32b", 360_000)];

    /// <summary>Auction agents over one in-process simulator (seeded), as the benchmark runs them.</summary>
    public static AuctionAgent[] InProcess(ulong seed)
    {
        var backend = new SimulatorChatBackend(new SimulatedBackend(SimulatorModel.Default, seed, 1000));
        return Agents.Select(p => new AuctionAgent(new AgentDefinition(p.Name, SimulatorEndpoint.Endpoint, p.Name, p.Price, p.Price, 0, 4096, null), backend)).ToArray();
    }
}
