using Routing.Simulation.Episodes;
using Routing.Simulation.Routers;

namespace Routing.Simulation.Benchmark;

/// <summary>
/// Builds a fresh router for one worker thread. <paramref name="constrain"/> is the budget-constrained
/// decoding wrapper of the run (identity when the run has no budget); the evaluator applies it to the
/// returned router itself, so a factory only needs it for routers that replay episodes (the oracle).
/// </summary>
public delegate IStepRouter RouterFactory(EpisodeRunner runner, Func<IStepRouter, IStepRouter> constrain);

/// <summary>A named routing strategy of the frontier: a baseline, SALE or a trained policy.</summary>
public sealed record RoutingStrategy(string Name, RouterFactory Create)
{
    /// <summary>What a task costs before its episode starts (e.g. its SALE auction), added to the episode's cost; null: nothing.</summary>
    public Func<Tasks.SimTask, long>? OverheadMicros { get; init; }

    public const string AlwaysSmall = "always-small";
    public const string AlwaysLarge = "always-large";
    public const string Cascade = "cascade";
    public const string Oracle = "oracle";

    /// <summary>
    /// The baselines of issue 5 in report order: always-small, always-large, random(p), cascade,
    /// First-Large(k), oracle. SALE and the trained policy append their own entries.
    /// </summary>
    public static IReadOnlyList<RoutingStrategy> Baselines(double randomLargeProbability = 0.5, int firstLargeSteps = 1, ulong randomSeed = 1) =>
    [
        new(AlwaysSmall, (runner, _) => new FixedAgentRouter(runner.Pool.Smallest)),
        new(AlwaysLarge, (runner, _) => new FixedAgentRouter(runner.Pool.Largest)),
        new(RandomName(randomLargeProbability), (_, _) => new RandomRouter(randomLargeProbability, randomSeed)),
        new(Cascade, (_, _) => new CascadeRouter()),
        new(FirstLargeName(firstLargeSteps), (_, _) => new FirstLargeRouter(firstLargeSteps)),
        new(Oracle, (runner, constrain) => new OracleRouter(runner, attempt: 0, agent => constrain(new FixedAgentRouter(agent)))),
    ];

    public static string RandomName(double p) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"random({p:0.##})");

    public static string FirstLargeName(int k) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"first-large({k})");
}
