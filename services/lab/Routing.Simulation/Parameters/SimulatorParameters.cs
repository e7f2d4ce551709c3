namespace Routing.Simulation.Parameters;

/// <summary>
/// Everything that shapes simulated agents, as stored in the versioned parameters file
/// (<c>Calibration/sim-params.v1.json</c>): hand-set dynamics, fitted difficulties and capabilities, the
/// calibration targets they were fitted to, and the fit report. This is the one place these numbers live.
/// </summary>
public sealed record SimulatorParameters
{
    public int SchemaVersion { get; init; } = 1;

    public string About { get; init; } = "";

    public FitProvenance FittedTo { get; init; } = new();

    public DynamicsParameters Dynamics { get; init; } = new();

    /// <summary>Exactly two entries, <c>search</c> then <c>coding</c> (the order of <see cref="Tasks.Domain"/>).</summary>
    public IReadOnlyList<DomainParameters> Domains { get; init; } = [];

    /// <summary>Every simulated agent; <see cref="AgentParameters.Pools"/> says which routing pools it belongs to.</summary>
    public IReadOnlyList<AgentParameters> Agents { get; init; } = [];

    /// <summary>Copy of the pass@1 targets (percent) per domain and agent, with their provenance.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, TargetRow>> Targets { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, TargetRow>>();

    /// <summary>Per-cell fit error measured when the file was written.</summary>
    public IReadOnlyList<CellFit> FitReport { get; init; } = [];

    /// <summary>Per domain, the SALE-pool oracle (best of the pool per task, one attempt) against its published target.</summary>
    public IReadOnlyList<OracleFit> OracleReport { get; init; } = [];
}

/// <summary>
/// The SALE-pool oracle of one domain: the share of tasks at least one pool agent solves on one attempt, weighted
/// by HST-Bench tasks per bin, with the always-largest pass@1 measured on the same tasks for scale.
/// </summary>
public sealed record OracleFit
{
    public string Domain { get; init; } = "";

    /// <summary>Published oracle pass@1 (percent) the affinity spread was fitted to.</summary>
    public double Target { get; init; }

    public double Simulated { get; init; }

    /// <summary>Always-largest-agent overall pass@1 on the same tasks (percent).</summary>
    public double Largest { get; init; }

    /// <summary>The task–agent affinity spread (logits) the figures were measured with.</summary>
    public double AffinitySpread { get; init; }

    public double Error => Simulated - Target;
}

/// <summary>Where the fitted numbers came from, so a reader can reproduce them.</summary>
public sealed record FitProvenance
{
    public string TargetsFile { get; init; } = "";

    public string TargetsSha256 { get; init; } = "";

    public ulong FitSeed { get; init; }

    public int EpisodesPerCell { get; init; }
}

/// <summary>
/// Hand-set constants of the episode dynamics (not fitted; see docs/simulator.md for why each exists).
/// Values live only in the parameters file, so there are no defaults here.
/// </summary>
public sealed record DynamicsParameters
{
    /// <summary>Standard deviation of a task's hidden difficulty around its bin's mean (logits).</summary>
    public double DifficultySpread { get; init; }

    /// <summary>Logit penalty per unresolved error: mistakes compound while the agent is off track.</summary>
    public double DerailPenalty { get; init; }

    /// <summary>Unresolved errors in a row after which the agent is stuck and the episode fails.</summary>
    public int MaxDerailDepth { get; init; }

    /// <summary>Share of failed steps that look fine (no error) but poison the final answer.</summary>
    public double SilentFailureShare { get; init; }

    /// <summary>Chance that a good step still shows a harmless warning (noise in the error signal).</summary>
    public double SpuriousWarningRate { get; init; }

    /// <summary>Chance of a transient tool retry on a good step.</summary>
    public double RetryRateOnSuccess { get; init; }

    /// <summary>Chance of a transient tool retry on a visibly failed step.</summary>
    public double RetryRateOnError { get; init; }

    /// <summary>Self-reported confidence is sigmoid(bias + shift + noise·N(0,1)).</summary>
    public double ConfidenceNoise { get; init; }

    public double ConfidenceShiftOnSuccess { get; init; }

    public double ConfidenceShiftOnFailure { get; init; }

    /// <summary>Log-normal sigma of output tokens per step.</summary>
    public double OutputTokenSigma { get; init; }

    /// <summary>Log-normal sigma of tool-observation tokens per step.</summary>
    public double ObservationTokenSigma { get; init; }

    /// <summary>Failed steps ramble: their output length is multiplied by this.</summary>
    public double FailedStepOutputFactor { get; init; }

    /// <summary>
    /// Chance that the first step (planning the approach) is pivotal; later steps use the domain's
    /// <see cref="DomainParameters.PivotalStepShare"/>. A modelling assumption, hand-set (docs/simulator.md).
    /// </summary>
    public double FirstStepPivotalShare { get; init; }

    /// <summary>On a pivotal step an agent's capability gap to the domain reference is multiplied by this.</summary>
    public double PivotalGapScale { get; init; }

    /// <summary>On a routine step the gap is multiplied by this (agents differ less on routine work).</summary>
    public double RoutineGapScale { get; init; }

    /// <summary>Chance that the observation before a pivotal step flags something that needs judgement.</summary>
    public double PivotalCueHitRate { get; init; }

    /// <summary>Chance that the observation before a routine step flags it anyway (false alarm).</summary>
    public double PivotalCueFalseAlarmRate { get; init; }
}

/// <summary>One task domain: horizon, token shapes, and per complexity bin the work needed and the fitted difficulty.</summary>
public sealed record DomainParameters
{
    public string Name { get; init; } = "";

    /// <summary>Maximum model calls per episode.</summary>
    public int Horizon { get; init; }

    /// <summary>System prompt plus task statement, sent with every call.</summary>
    public int PromptTokens { get; init; }

    /// <summary>Mean tokens a successful tool call returns (search results, test output).</summary>
    public int ObservationTokens { get; init; }

    /// <summary>Mean tokens of an error observation (HTTP error, traceback).</summary>
    public int ErrorObservationTokens { get; init; }

    /// <summary>Per bin, the fewest and most good steps a task needs (uniform between them).</summary>
    public IReadOnlyList<int> RequiredStepsMin { get; init; } = [];

    public IReadOnlyList<int> RequiredStepsMax { get; init; } = [];

    /// <summary>Per bin, the mean hidden difficulty (logits). Fitted.</summary>
    public IReadOnlyList<double> BinDifficulty { get; init; } = [];

    /// <summary>Per bin, the HST-Bench task count (used to weight overall figures the way the paper does).</summary>
    public IReadOnlyList<int> TasksPerBin { get; init; } = [];

    /// <summary>Chance that a step after the first is pivotal (hand-set; see <see cref="DynamicsParameters.PivotalGapScale"/>).</summary>
    public double PivotalStepShare { get; init; }

    /// <summary>
    /// Standard deviation (logits) of the hidden task–agent affinity added to every step of an agent on a task,
    /// so that agents fail on different tasks. Fitted to the published SALE-pool oracle.
    /// </summary>
    public double AffinitySpread { get; init; }

    /// <summary>Capability the per-step gap scaling is measured from: the mean fitted capability of the calibrated pool.</summary>
    public double ReferenceCapability { get; init; }

    /// <summary>Published SALE-pool oracle pass@1 (percent) the affinity spread was fitted to; null when none.</summary>
    public double? OracleTarget { get; init; }
}

/// <summary>One simulated agent: prices, token habits and fitted capability.</summary>
public sealed record AgentParameters
{
    public string Name { get; init; } = "";

    /// <summary>Routing pools this agent belongs to: <c>sale</c> (Qwen3 pool) and/or <c>step</c> (small/large pair).</summary>
    public IReadOnlyList<string> Pools { get; init; } = [];

    /// <summary>Price in micro-dollars per million input tokens (USD per M tokens × 10⁶).</summary>
    public long PriceInMicrosPerMTok { get; init; }

    public long PriceOutMicrosPerMTok { get; init; }

    public int MeanOutputTokens { get; init; }

    /// <summary>Hard cap on output tokens per call; bounds the worst-case cost of a step.</summary>
    public int MaxOutputTokens { get; init; }

    /// <summary>Logit bias of self-reported confidence (small models are overconfident).</summary>
    public double ConfidenceBias { get; init; }

    /// <summary>When set, capabilities were copied from this agent rather than fitted (no targets exist for it).</summary>
    public string? CapabilitySource { get; init; }

    /// <summary>Per domain, the agent's structural capability (logits). Fitted.</summary>
    public IReadOnlyDictionary<string, double> Capability { get; init; } = new Dictionary<string, double>();

    /// <summary>Per domain and bin, the residual capability the structural model could not explain. Fitted.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<double>> BinAdjustment { get; init; } =
        new Dictionary<string, IReadOnlyList<double>>();
}

/// <summary>Target pass@1 values (percent) for one agent across the five bins.</summary>
public sealed record TargetRow
{
    public IReadOnlyList<double> Values { get; init; } = [];

    public IReadOnlyList<string> Provenance { get; init; } = [];
}

/// <summary>Fit outcome for one (domain, bin, agent) cell, in pass@1 percent.</summary>
public sealed record CellFit
{
    public string Domain { get; init; } = "";

    public int Bin { get; init; }

    public string Agent { get; init; } = "";

    public double Target { get; init; }

    public string Provenance { get; init; } = "";

    /// <summary>Simulated pass@1 with the full fitted parameters.</summary>
    public double Simulated { get; init; }

    /// <summary>Simulated pass@1 with the structural part only (capability − bin difficulty, no adjustment).</summary>
    public double StructuralOnly { get; init; }

    public double Error => Simulated - Target;
}
