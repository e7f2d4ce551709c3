using Routing.Simulation.Episodes;
using Routing.Simulation.Parameters;
using Routing.Simulation.Tasks;

namespace Routing.Simulation.Calibration;

/// <summary>The fitted parameters and the error of every (domain, bin, agent) cell.</summary>
public sealed record CalibrationFitResult(SimulatorParameters Parameters, IReadOnlyList<CellFit> Cells)
{
    /// <summary>Largest absolute error over all cells, in pass@1 points.</summary>
    public double MaxAbsError => Cells.Count == 0 ? 0 : Cells.Max(c => Math.Abs(c.Error));
}

/// <summary>
/// Fits the simulator to per-bin pass@1 targets and measures how well parameters match them.
/// </summary>
/// <remarks>
/// Only the margin x = skill − difficulty decides outcomes, so the fit works in two steps:
/// (1) per cell, bisect the margin x* at which an always-that-agent run hits the target pass@1 (the pass
/// rate rises with x; common random numbers make the estimate smooth enough for bisection);
/// (2) split x* additively into an agent capability and a bin difficulty (least squares: capability = the
/// agent's mean margin, difficulty = grand mean − the bin's mean margin) and keep the remainder as a
/// per-cell adjustment. The structural part is what makes "capability" and "difficulty" meaningful for
/// mixed-agent episodes; the adjustment is reported so its size is visible.
/// </remarks>
public static class SimulatorCalibration
{
    /// <summary>The step pair has no published per-bin figures; it borrows capabilities from these pool agents.</summary>
    public static readonly IReadOnlyDictionary<string, string> StepPairCapabilitySources = new Dictionary<string, string>
    {
        ["gpt-4.1-mini"] = "qwen3-8b",
        ["gpt-4.1"] = "qwen3-32b",
    };

    private const double LowMargin = -8;
    private const double HighMargin = 14;
    private const int BisectionSteps = 20;

    /// <summary>
    /// Fits capabilities, bin difficulties and adjustments to <paramref name="targets"/>, keeping the hand-set
    /// dynamics and token habits of <paramref name="template"/> (default: the shipped parameters). The result
    /// is measured on a different seed (<paramref name="seed"/> + 1) than the one it was fitted on.
    /// </summary>
    public static CalibrationFitResult Fit(CalibrationTargets targets, ulong seed, int episodesPerCell, IProgress<string>? progress = null, SimulatorParameters? template = null)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentOutOfRangeException.ThrowIfLessThan(episodesPerCell, 100);
        template ??= SimulatorModel.LoadEmbeddedParameters();

        // Domains without targets keep the template's difficulties.
        var domains = template.Domains.ToList();
        var capability = new Dictionary<string, Dictionary<string, double>>();
        var adjustment = new Dictionary<string, Dictionary<string, double[]>>();
        foreach (var (domainName, agents) in targets.PassAt1)
        {
            var agentNames = agents.Keys.Order(StringComparer.Ordinal).ToArray();
            var margins = FitMargins(template, TaskSpace.Parse(domainName), agentNames, agents, seed, episodesPerCell, progress);
            var (agentCapability, binDifficulty) = SplitAdditively(margins);
            for (var m = 0; m < agentNames.Length; m++)
            {
                var adjust = new double[TaskSpace.BinCount];
                for (var b = 0; b < TaskSpace.BinCount; b++)
                {
                    adjust[b] = Math.Round(margins[b, m] - (agentCapability[m] - binDifficulty[b]), 4);
                }

                Add(capability, agentNames[m], domainName, Math.Round(agentCapability[m], 4));
                Add(adjustment, agentNames[m], domainName, adjust);
            }

            var domainIndex = domains.FindIndex(d => d.Name == domainName);
            var domainTemplate = domains[domainIndex];
            domains[domainIndex] = domainTemplate with
            {
                BinDifficulty = binDifficulty.Select(v => Math.Round(v, 4)).ToArray(),
                TasksPerBin = targets.TasksPerBin.TryGetValue(domainName, out var counts) ? counts : domainTemplate.TasksPerBin,
            };
        }

        var fitted = template with
        {
            FittedTo = new FitProvenance { TargetsFile = targets.SourceName, TargetsSha256 = targets.Sha256, FitSeed = seed, EpisodesPerCell = episodesPerCell },
            Domains = domains.OrderBy(d => (int)TaskSpace.Parse(d.Name)).ToArray(),
            Agents = template.Agents.Select(a => FittedAgent(a, targets, capability, adjustment)).ToArray(),
            Targets = targets.PassAt1,
            FitReport = [],
        };

        progress?.Report("measuring the fit on a fresh seed");
        var cells = Evaluate(fitted, seed + 1, episodesPerCell);
        return new CalibrationFitResult(fitted with { FitReport = cells }, cells);
    }

    /// <summary>
    /// Measures every target cell: always-that-agent pass@1 (percent) over <paramref name="episodesPerCell"/>
    /// fresh tasks of the bin, with the full parameters and (when asked, at twice the cost) with the structural
    /// part only; otherwise <see cref="CellFit.StructuralOnly"/> is NaN.
    /// </summary>
    public static IReadOnlyList<CellFit> Evaluate(SimulatorParameters parameters, ulong seed, int episodesPerCell, bool includeStructuralOnly = true)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var full = new SimulatorModel(parameters);
        var structural = new SimulatorModel(parameters with
        {
            Agents = parameters.Agents.Select(a => a with { BinAdjustment = new Dictionary<string, IReadOnlyList<double>>() }).ToArray(),
        });

        var jobs = new List<(string Domain, int Bin, string Agent, TargetRow Row)>();
        foreach (var (domainName, agents) in parameters.Targets)
        {
            foreach (var (agentName, row) in agents.OrderBy(a => a.Key, StringComparer.Ordinal))
            {
                for (var b = 0; b < TaskSpace.BinCount; b++)
                {
                    jobs.Add((domainName, b, agentName, row));
                }
            }
        }

        var cells = new CellFit[jobs.Count];
        Parallel.For(0, jobs.Count, i =>
        {
            var (domainName, bin, agentName, row) = jobs[i];
            var domain = TaskSpace.Parse(domainName);
            cells[i] = new CellFit
            {
                Domain = domainName,
                Bin = bin,
                Agent = agentName,
                Target = row.Values[bin],
                Provenance = row.Provenance[bin],
                Simulated = Math.Round(100 * PassRate(full, agentName, domain, bin, seed, episodesPerCell), 2),
                StructuralOnly = includeStructuralOnly ? Math.Round(100 * PassRate(structural, agentName, domain, bin, seed, episodesPerCell), 2) : double.NaN,
            };
        });
        return cells;
    }

    /// <summary>Share of solved episodes when <paramref name="agentName"/> runs every step, over fresh tasks of one bin.</summary>
    public static double PassRate(SimulatorModel model, string agentName, Domain domain, int bin, ulong seed, int episodes)
    {
        ArgumentNullException.ThrowIfNull(model);
        var pool = model.PoolOf("calibration", agentName);
        var runner = new EpisodeRunner(model, pool);
        var router = new FixedAgentRouter(0);
        var generator = new TaskGenerator(model, seed);
        var solved = 0;
        for (var i = 0; i < episodes; i++)
        {
            var task = generator.Create(domain, bin, i);
            if (runner.Run(task, router).Success)
            {
                solved++;
            }
        }

        return solved / (double)episodes;
    }

    private static double[,] FitMargins(SimulatorParameters template, Domain domain, string[] agentNames, IReadOnlyDictionary<string, TargetRow> rows, ulong seed, int episodes, IProgress<string>? progress)
    {
        var margins = new double[TaskSpace.BinCount, agentNames.Length];
        var done = 0;
        Parallel.For(0, TaskSpace.BinCount * agentNames.Length, cell =>
        {
            var bin = cell / agentNames.Length;
            var m = cell % agentNames.Length;
            var target = rows[agentNames[m]].Values[bin] / 100.0;
            double lo = LowMargin, hi = HighMargin;
            for (var i = 0; i < BisectionSteps; i++)
            {
                var mid = 0.5 * (lo + hi);
                if (PassRate(ProbeModel(template, mid), "probe", domain, bin, seed, episodes) < target)
                {
                    lo = mid;
                }
                else
                {
                    hi = mid;
                }
            }

            margins[bin, m] = 0.5 * (lo + hi);
            progress?.Report($"{TaskSpace.Name(domain)} bin {bin} {agentNames[m]}: margin {margins[bin, m]:0.000} ({Interlocked.Increment(ref done)}/{margins.Length})");
        });
        return margins;
    }

    /// <summary>Template dynamics, zero bin difficulty, one agent whose skill is exactly <paramref name="margin"/>.</summary>
    private static SimulatorModel ProbeModel(SimulatorParameters template, double margin)
    {
        var zero = new double[TaskSpace.BinCount];
        var probe = template.Agents[0] with
        {
            Name = "probe",
            Pools = [],
            Capability = new Dictionary<string, double> { ["search"] = margin, ["coding"] = margin },
            BinAdjustment = new Dictionary<string, IReadOnlyList<double>>(),
        };
        return new SimulatorModel(template with
        {
            Domains = template.Domains.Select(d => d with { BinDifficulty = zero }).ToArray(),
            Agents = [probe],
        });
    }

    private static (double[] Capability, double[] Difficulty) SplitAdditively(double[,] margins)
    {
        int bins = margins.GetLength(0), agents = margins.GetLength(1);
        var capability = new double[agents];
        var difficulty = new double[bins];
        var grand = 0.0;
        for (var b = 0; b < bins; b++)
        {
            for (var m = 0; m < agents; m++)
            {
                capability[m] += margins[b, m] / bins;
                difficulty[b] += margins[b, m] / agents;
                grand += margins[b, m] / (bins * agents);
            }
        }

        for (var b = 0; b < bins; b++)
        {
            difficulty[b] = grand - difficulty[b];
        }

        return (capability, difficulty);
    }

    private static AgentParameters FittedAgent(AgentParameters agent, CalibrationTargets targets, Dictionary<string, Dictionary<string, double>> capability, Dictionary<string, Dictionary<string, double[]>> adjustment)
    {
        var source = StepPairCapabilitySources.TryGetValue(agent.Name, out var borrowed) ? borrowed : agent.Name;
        var priced = targets.PricesMicrosPerMTok.TryGetValue(agent.Name, out var price)
            ? agent with { PriceInMicrosPerMTok = price.In, PriceOutMicrosPerMTok = price.Out }
            : agent;
        if (!capability.TryGetValue(source, out var fittedCapability))
        {
            return priced;
        }

        return priced with
        {
            CapabilitySource = source == agent.Name ? null : source,
            Capability = fittedCapability,
            BinAdjustment = adjustment[source].ToDictionary(kv => kv.Key, kv => (IReadOnlyList<double>)kv.Value),
        };
    }

    private static void Add<T>(Dictionary<string, Dictionary<string, T>> map, string agent, string domain, T value)
    {
        if (!map.TryGetValue(agent, out var perDomain))
        {
            perDomain = [];
            map[agent] = perDomain;
        }

        perDomain[domain] = value;
    }
}
