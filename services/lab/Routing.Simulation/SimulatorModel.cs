using System.Text.Json;
using Routing.Simulation.Agents;
using Routing.Simulation.Parameters;
using Routing.Simulation.Tasks;

namespace Routing.Simulation;

/// <summary>
/// The simulator's parameters validated and compiled into dense arrays. Immutable and thread-safe: build
/// one, share it across runners and threads.
/// </summary>
public sealed class SimulatorModel
{
    private const string EmbeddedResourceName = "Routing.Simulation.sim-params.v1.json";

    private static readonly Lazy<SimulatorModel> LazyDefault = new(() => new SimulatorModel(LoadEmbeddedParameters()));

    private readonly DomainProfile[] _domains;
    private readonly AgentProfile[] _agents;
    private readonly Lazy<AgentPool> _salePool;
    private readonly Lazy<AgentPool> _stepPair;

    public SimulatorModel(SimulatorParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Validate(parameters);
        Parameters = parameters;
        Dynamics = parameters.Dynamics;
        _domains = new DomainProfile[TaskSpace.DomainCount];
        foreach (var d in parameters.Domains)
        {
            _domains[(int)TaskSpace.Parse(d.Name)] = new DomainProfile(d);
        }

        var reference = new double[TaskSpace.DomainCount];
        foreach (var d in parameters.Domains)
        {
            reference[(int)TaskSpace.Parse(d.Name)] = d.ReferenceCapability;
        }

        _agents = new AgentProfile[parameters.Agents.Count];
        for (var i = 0; i < _agents.Length; i++)
        {
            _agents[i] = new AgentProfile(parameters.Agents[i], reference);
        }

        // Built on first use: probe models used by the fit hold a single agent and no pools.
        _salePool = new Lazy<AgentPool>(() => BuildPool(AgentPool.SalePoolName));
        _stepPair = new Lazy<AgentPool>(() => BuildPool(AgentPool.StepPairName));
    }

    /// <summary>The model built from the parameters file shipped in this assembly.</summary>
    public static SimulatorModel Default => LazyDefault.Value;

    public SimulatorParameters Parameters { get; }

    public DynamicsParameters Dynamics { get; }

    /// <summary>Qwen3 4B/8B/14B/32B-like agents, cheapest first (SALE).</summary>
    public AgentPool SalePool => _salePool.Value;

    /// <summary>GPT-4.1-mini / GPT-4.1-like pair, small first (step routing).</summary>
    public AgentPool StepPair => _stepPair.Value;

    /// <summary>Reads the parameters file embedded in this assembly.</summary>
    public static SimulatorParameters LoadEmbeddedParameters()
    {
        using var stream = typeof(SimulatorModel).Assembly.GetManifestResourceStream(EmbeddedResourceName)
            ?? throw new InvalidOperationException($"Embedded resource {EmbeddedResourceName} is missing from {typeof(SimulatorModel).Assembly.GetName().Name}.");
        return JsonSerializer.Deserialize(stream, SimulatorJsonContext.Default.SimulatorParameters)
            ?? throw new InvalidOperationException($"{EmbeddedResourceName} is empty.");
    }

    /// <summary>Parses a parameters file (e.g. one written by a re-fit).</summary>
    public static SimulatorParameters ParseParameters(string json) =>
        JsonSerializer.Deserialize(json, SimulatorJsonContext.Default.SimulatorParameters)
        ?? throw new InvalidOperationException("Simulator parameters JSON is empty.");

    /// <summary>Serialises parameters in the format of the shipped file.</summary>
    public static string SerializeParameters(SimulatorParameters parameters) =>
        JsonSerializer.Serialize(parameters, SimulatorJsonContext.Default.SimulatorParameters);

    /// <summary>Builds a pool from every agent that lists <paramref name="poolName"/>, ordered by price.</summary>
    public AgentPool BuildPool(string poolName)
    {
        var members = new List<AgentProfile>();
        for (var i = 0; i < _agents.Length; i++)
        {
            if (Parameters.Agents[i].Pools.Contains(poolName))
            {
                members.Add(_agents[i]);
            }
        }

        if (members.Count == 0)
        {
            throw new ArgumentException($"No agent belongs to pool '{poolName}'.", nameof(poolName));
        }

        members.Sort(static (a, b) => (a.PriceInMicrosPerMTok + a.PriceOutMicrosPerMTok).CompareTo(b.PriceInMicrosPerMTok + b.PriceOutMicrosPerMTok));
        return new AgentPool(poolName, [.. members]);
    }

    /// <summary>A pool holding exactly the named agents, in the given order.</summary>
    public AgentPool PoolOf(string poolName, params string[] agentNames)
    {
        ArgumentNullException.ThrowIfNull(agentNames);
        var members = new AgentProfile[agentNames.Length];
        for (var i = 0; i < agentNames.Length; i++)
        {
            members[i] = Array.Find(_agents, a => a.Name == agentNames[i])
                ?? throw new ArgumentException($"Unknown agent '{agentNames[i]}'.", nameof(agentNames));
        }

        return new AgentPool(poolName, members);
    }

    internal DomainProfile Domain(Domain domain) => _domains[(int)domain];

    /// <summary>
    /// The agent's hidden margin on the task before per-step effects: skill + task–agent affinity − difficulty.
    /// What decides its steps (with the step's gap scaling and derailment) and what SALE's signals follow.
    /// </summary>
    internal double Margin(in SimTask task, AgentProfile agent) =>
        agent.Skill(task.Domain, task.Bin) + TaskAffinity.Of(task, agent, Domain(task.Domain).AffinitySpread) - task.HiddenDifficulty;

    private static bool IsProbability(double value) => value is >= 0 and <= 1;

    private static void Validate(SimulatorParameters p)
    {
        if (p.Domains.Count != TaskSpace.DomainCount)
        {
            throw new ArgumentException($"Simulator parameters need exactly {TaskSpace.DomainCount} domains, found {p.Domains.Count}.", nameof(p));
        }

        var dyn = p.Dynamics;
        if (dyn.MaxDerailDepth < 1 || dyn.DifficultySpread < 0 || dyn.DerailPenalty < 0 || dyn.FailedStepOutputFactor <= 0
            || !IsProbability(dyn.SilentFailureShare) || !IsProbability(dyn.SpuriousWarningRate) || !IsProbability(dyn.RetryRateOnSuccess) || !IsProbability(dyn.RetryRateOnError)
            || !IsProbability(dyn.FirstStepPivotalShare) || !IsProbability(dyn.PivotalCueHitRate) || !IsProbability(dyn.PivotalCueFalseAlarmRate)
            || dyn.PivotalGapScale < 0 || dyn.RoutineGapScale < 0)
        {
            throw new ArgumentException("Simulator dynamics: need max_derail_depth ≥ 1, non-negative spread, penalty, gap scales and sigmas, rates in [0, 1] and failed_step_output_factor > 0.", nameof(p));
        }

        foreach (var d in p.Domains)
        {
            if (d.BinDifficulty.Count != TaskSpace.BinCount || d.RequiredStepsMin.Count != TaskSpace.BinCount || d.RequiredStepsMax.Count != TaskSpace.BinCount)
            {
                throw new ArgumentException($"Domain '{d.Name}' needs {TaskSpace.BinCount} values per bin array.", nameof(p));
            }

            if (d.Horizon < 1 || d.PromptTokens < 1)
            {
                throw new ArgumentException($"Domain '{d.Name}': horizon and prompt_tokens must be > 0.", nameof(p));
            }

            if (!IsProbability(d.PivotalStepShare) || d.AffinitySpread < 0)
            {
                throw new ArgumentException($"Domain '{d.Name}': pivotal_step_share must be in [0, 1] and affinity_spread ≥ 0.", nameof(p));
            }

            for (var b = 0; b < TaskSpace.BinCount; b++)
            {
                if (d.RequiredStepsMin[b] < 1 || d.RequiredStepsMax[b] < d.RequiredStepsMin[b])
                {
                    throw new ArgumentException($"Domain '{d.Name}' bin {b}: need 1 ≤ required_steps_min ≤ required_steps_max.", nameof(p));
                }
            }
        }

        foreach (var a in p.Agents)
        {
            if (a.PriceInMicrosPerMTok < 0 || a.PriceOutMicrosPerMTok < 0 || a.MeanOutputTokens < 1 || a.MaxOutputTokens < a.MeanOutputTokens)
            {
                throw new ArgumentException($"Agent '{a.Name}': prices must be ≥ 0 and 1 ≤ mean_output_tokens ≤ max_output_tokens.", nameof(p));
            }
        }
    }
}

/// <summary>Dense per-domain constants for the episode loop.</summary>
internal sealed class DomainProfile
{
    public DomainProfile(DomainParameters p)
    {
        Horizon = p.Horizon;
        ObservationTokens = p.ObservationTokens;
        ErrorObservationTokens = p.ErrorObservationTokens;
        PromptTokens = p.PromptTokens;
        RequiredStepsMin = [.. p.RequiredStepsMin];
        RequiredStepsMax = [.. p.RequiredStepsMax];
        BinDifficulty = [.. p.BinDifficulty];
        PivotalStepShare = p.PivotalStepShare;
        AffinitySpread = p.AffinitySpread;
    }

    public double PivotalStepShare { get; }

    public double AffinitySpread { get; }

    public int Horizon { get; }

    public int PromptTokens { get; }

    public int ObservationTokens { get; }

    public int ErrorObservationTokens { get; }

    public int[] RequiredStepsMin { get; }

    public int[] RequiredStepsMax { get; }

    public double[] BinDifficulty { get; }
}
