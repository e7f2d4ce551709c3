using Routing.Backends;
using Routing.Contracts.Executor.V1;
using Routing.Executor.Pipeline;
using Routing.Simulation.Sampling;

namespace Routing.Simulation.Hosting;

/// <summary>
/// Who chooses the agent of each RunTask step: the policy (no strategy), one pinned agent (a boundary policy), or the
/// trainer's mixed policy (large with probability p). Validated against the pool before the task is opened, so a bad
/// request opens nothing.
/// </summary>
public sealed class RunTaskStrategy
{
    private readonly AgentDefinition? _pinned;
    private readonly AgentDefinition? _small;
    private readonly AgentDefinition? _large;
    private readonly double _largeProbability;
    private Xoshiro256 _rng;

    private RunTaskStrategy(AgentDefinition? pinned, AgentDefinition? small, AgentDefinition? large, double largeProbability, ulong seed)
    {
        _pinned = pinned;
        _small = small;
        _large = large;
        _largeProbability = largeProbability;
        _rng = new Xoshiro256(seed);
    }

    /// <summary>The strategy a request names; <see cref="StepFailure"/> (invalid argument, naming the field) when it names an agent the pool lacks.</summary>
    public static RunTaskStrategy Of(RunTaskRequest request, AgentCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(catalog);
        switch (request.StrategyCase)
        {
            case RunTaskRequest.StrategyOneofCase.Agent:
                return new RunTaskStrategy(Find(catalog, request.Agent, "agent"), null, null, 0, 0);
            case RunTaskRequest.StrategyOneofCase.Mixed:
                var mixed = request.Mixed;
                if (!double.IsFinite(mixed.LargeProbability) || mixed.LargeProbability is < 0 or > 1)
                {
                    throw StepFailure.Invalid("mixed.large_probability", $"must be between 0 and 1 (got {mixed.LargeProbability})");
                }
                return new RunTaskStrategy(null, Find(catalog, mixed.SmallAgent, "mixed.small_agent"), Find(catalog, mixed.LargeAgent, "mixed.large_agent"), mixed.LargeProbability, mixed.Seed);
            default:
                return new RunTaskStrategy(null, null, null, 0, 0);
        }
    }

    /// <summary>The agent the next step is pinned to, or null when the policy routes it. Call once per step, in order.</summary>
    public AgentDefinition? NextAgent()
    {
        if (_pinned is not null)
        {
            return _pinned;
        }
        if (_small is null)
        {
            return null;
        }
        // One draw per step whatever the probability, as the trainer's MixedRouter draws.
        return _rng.NextDouble() < _largeProbability ? _large : _small;
    }

    private static AgentDefinition Find(AgentCatalog catalog, string name, string field) =>
        catalog.Find(name) ?? throw StepFailure.Invalid(field, name.Length == 0
            ? "is required (an agent of the pool; ListAgents names them)"
            : $"'{name}' is not an agent of the pool (ListAgents names them)");
}
