using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Routing.Backends.Pool;

/// <summary>
/// The agent pool from configuration, replaced whole on reload: a valid new configuration becomes
/// <see cref="Current"/> and raises <see cref="Changed"/>; an invalid one is refused with its problems, logged and
/// counted (<c>routing_agent_pool_reload_failures_total</c>), and the last good pool stays. Backends are built once
/// per agent definition and rebuilt when the definition changes.
/// </summary>
/// <param name="unservable">Why a valid definition cannot be served here (an endpoint scheme no backend of this host serves), or null.</param>
public sealed partial class ConfiguredAgentPool(
    Func<AgentDefinition, IChatBackend> createBackend, ILogger<ConfiguredAgentPool> logger, Func<AgentDefinition, string?>? unservable = null) : IAgentPool
{
    private readonly ConcurrentDictionary<string, (AgentDefinition Agent, IChatBackend Backend)> _backends = new(StringComparer.Ordinal);
    private readonly Lock _applying = new();
    private volatile AgentPoolSnapshot _current = new("empty", []);

    public AgentPoolSnapshot Current => _current;

    public event Action<AgentPoolSnapshot>? Changed;

    public IChatBackend BackendFor(AgentDefinition agent)
    {
        ArgumentNullException.ThrowIfNull(agent);

        // Keyed by name but checked by value: a changed definition (new endpoint, model or credential) gets a new backend,
        // and a caller still holding the previous snapshot's definition gets one that matches what it holds.
        if (_backends.TryGetValue(agent.Name, out var cached) && cached.Agent == agent)
        {
            return cached.Backend;
        }

        var backend = createBackend(agent);
        _backends[agent.Name] = (agent, backend);
        return backend;
    }

    /// <summary>
    /// Applies a pool file's content (from the file poller, or pushed by a ConfigMap watcher). Returns the problems
    /// that kept it from being applied, each naming its field; empty when it is now the pool (or already was).
    /// </summary>
    public IReadOnlyList<string> Apply(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        var (agents, errors) = AgentPoolDocument.Parse(json);
        return errors.Count > 0 ? Refuse(source, errors) : Apply(agents, source);
    }

    /// <summary>Applies agents built in code (the simulator's); validated like a file.</summary>
    public IReadOnlyList<string> Apply(IReadOnlyList<AgentDefinition> agents, string source)
    {
        ArgumentNullException.ThrowIfNull(agents);
        var errors = AgentPoolDocument.Validate(agents);
        if (errors.Count == 0 && unservable is not null)
        {
            errors = [.. agents.Select(unservable).OfType<string>()];
        }
        if (errors.Count > 0)
        {
            return Refuse(source, errors);
        }

        var snapshot = new AgentPoolSnapshot(AgentPoolDocument.Version(agents), [.. agents]);
        lock (_applying)
        {
            if (snapshot.Version == _current.Version)
            {
                return [];
            }

            _current = snapshot;
            foreach (var name in _backends.Keys)
            {
                if (!snapshot.Agents.Any(a => a.Name == name))
                {
                    _backends.TryRemove(name, out _);
                }
            }
        }

        AgentPoolMetrics.Reloads.Inc();
        AgentPoolMetrics.Agents.Set(snapshot.Agents.Count);
        LogApplied(logger, snapshot.Version, snapshot.Agents.Count, source);
        Changed?.Invoke(snapshot);
        return [];
    }

    /// <summary>Counts and logs a configuration that could not be read at all (the file vanished, permissions).</summary>
    public void ReportUnreadable(string source, string problem)
    {
        AgentPoolMetrics.ReloadFailures.Inc();
        LogRefused(logger, source, problem, _current.Version);
    }

    private List<string> Refuse(string source, List<string> errors)
    {
        AgentPoolMetrics.ReloadFailures.Inc();
        LogRefused(logger, source, string.Join("; ", errors), _current.Version);
        return errors;
    }

    private IReadOnlyList<string> Refuse(string source, IReadOnlyList<string> errors) => Refuse(source, [.. errors]);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent pool {Version} applied from {Source}: {Count} agents")]
    private static partial void LogApplied(ILogger logger, string version, int count, string source);

    [LoggerMessage(Level = LogLevel.Error, Message = "Agent pool from {Source} refused, keeping {Version}: {Problems}")]
    private static partial void LogRefused(ILogger logger, string source, string problems, string version);
}
