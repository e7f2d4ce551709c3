using Routing.Simulation.Episodes;
using Routing.Simulation.Parameters;
using Routing.Simulation.Tasks;

namespace Routing.Simulation.Calibration;

/// <summary>The fitted parameters and the error of every (domain, bin, agent) cell.</summary>
public sealed record CalibrationFitResult(SimulatorParameters Parameters, IReadOnlyList<CellFit> Cells, IReadOnlyList<OracleFit> Oracle)
{
    /// <summary>Largest absolute error over all cells, in pass@1 points.</summary>
    public double MaxAbsError => Cells.Count == 0 ? 0 : Cells.Max(c => Math.Abs(c.Error));
}

/// <summary>
/// Fits the simulator to per-bin pass@1 targets and measures how well parameters match them.
/// </summary>
/// <remarks>
/// For always-one-agent runs, outcomes depend only on the agent's margin x = skill − difficulty (plus the hidden
/// task–agent affinity, whose spread is a domain parameter, and the agent's capability gap, which pivotal and routine
/// steps scale), so the fit works in steps:
/// (1) per cell, bisect the margin x* at which an always-that-agent run hits the target pass@1 (the pass
/// rate rises with x; common random numbers make the estimate smooth enough for bisection);
/// (2) where the targets publish a pool oracle, bisect the affinity spread at which the oracle (best agent per task,
/// one attempt, weighted by tasks per bin) hits it, re-doing (1) at every trial spread;
/// (3) split x* additively into an agent capability and a bin difficulty (least squares: capability = the
/// agent's mean margin, difficulty = grand mean − the bin's mean margin) and keep the remainder as a
/// per-cell adjustment; then re-do (1) once with the new capability gaps and split again. The structural part is
/// what makes "capability" and "difficulty" meaningful for mixed-agent episodes; the adjustment is reported so its
/// size is visible.
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

    // The oracle is fitted by bisecting the affinity spread on [0, 3] logits (3 is twice the difficulty spread:
    // far beyond what the published oracles need) to 1/256 of that range.
    private const double MaxAffinitySpread = 3;
    private const int AffinityBisectionSteps = 8;

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
            var domain = TaskSpace.Parse(domainName);
            var agentNames = agents.Keys.Order(StringComparer.Ordinal).ToArray();
            var domainIndex = domains.FindIndex(d => d.Name == domainName);
            var domainTemplate = domains[domainIndex];
            var weights = targets.TasksPerBin.TryGetValue(domainName, out var counts) ? counts : domainTemplate.TasksPerBin;
            var gaps = TemplateGaps(template, domainName, agentNames);
            double? oracleTarget = targets.OraclePassAt1.TryGetValue(domainName, out var o) ? o : null;
            var spread = domainTemplate.AffinitySpread;
            var margins = oracleTarget is { } target
                ? FitAffinitySpread(template, domain, agentNames, agents, gaps, weights, target, seed, episodesPerCell, progress, out spread)
                : FitMargins(template, domain, agentNames, agents, gaps, spread, seed, episodesPerCell, progress);
            var (agentCapability, binDifficulty) = SplitAdditively(margins);

            // The margins were fitted with the template's capability gaps; the fitted capabilities move the gaps
            // (and with them how much pivotal and routine steps spread each agent), so re-fit the margins once with
            // the new gaps at the fitted spread. One round is enough: the second changes gaps by a few hundredths.
            var mean = agentCapability.Average();
            margins = FitMargins(template, domain, agentNames, agents, [.. agentCapability.Select(c => c - mean)], spread, seed, episodesPerCell, progress);
            (agentCapability, binDifficulty) = SplitAdditively(margins);
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

            domains[domainIndex] = domainTemplate with
            {
                BinDifficulty = binDifficulty.Select(v => Math.Round(v, 4)).ToArray(),
                TasksPerBin = weights,
                AffinitySpread = Math.Round(spread, 4),
                ReferenceCapability = Math.Round(agentCapability.Average(), 4),
                OracleTarget = oracleTarget,
            };
        }

        var fitted = template with
        {
            FittedTo = new FitProvenance { TargetsFile = targets.SourceName, TargetsSha256 = targets.Sha256, FitSeed = seed, EpisodesPerCell = episodesPerCell },
            Domains = domains.OrderBy(d => (int)TaskSpace.Parse(d.Name)).ToArray(),
            Agents = template.Agents.Select(a => FittedAgent(a, targets, capability, adjustment)).ToArray(),
            Targets = targets.PassAt1,
            FitReport = [],
            OracleReport = [],
        };

        progress?.Report("measuring the fit on a fresh seed");
        var cells = Evaluate(fitted, seed + 1, episodesPerCell);
        var oracle = EvaluateOracle(fitted, seed + 1, episodesPerCell);
        return new CalibrationFitResult(fitted with { FitReport = cells, OracleReport = oracle }, cells, oracle);
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

    /// <summary>
    /// How many messages <see cref="Fit"/> reports to its progress sink for <paramref name="targets"/>: one per cell
    /// in each of the two margin fits, one per trial affinity spread of a domain with a published oracle, and one
    /// before the final measurement.
    /// </summary>
    public static int ProgressSteps(CalibrationTargets targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        return targets.PassAt1.Sum(d => (2 * d.Value.Count * TaskSpace.BinCount) + (targets.OraclePassAt1.ContainsKey(d.Key) ? AffinityBisectionSteps : 0)) + 1;
    }

    /// <summary>
    /// Measures, per domain with pass@1 targets and a published oracle target, the pool oracle (a task counts when at
    /// least one target agent's fixed run solves it on attempt 0) and always-largest pass@1 on the same tasks,
    /// weighted by tasks per bin, in percent. Domains without an oracle target are left out.
    /// </summary>
    public static IReadOnlyList<OracleFit> EvaluateOracle(SimulatorParameters parameters, ulong seed, int episodesPerBin)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var model = new SimulatorModel(parameters);
        var report = new List<OracleFit>();
        foreach (var (domainName, agents) in parameters.Targets.OrderBy(t => (int)TaskSpace.Parse(t.Key)))
        {
            var domain = parameters.Domains.Single(d => d.Name == domainName);
            if (domain.OracleTarget is not { } target)
            {
                continue;
            }

            var names = agents.Keys
                .OrderBy(n => parameters.Agents.Single(a => a.Name == n) is var a ? a.PriceInMicrosPerMTok + a.PriceOutMicrosPerMTok : 0)
                .ToArray();
            var (oracle, largest) = OracleAndLargest(model, TaskSpace.Parse(domainName), names, domain.TasksPerBin, seed, episodesPerBin);
            report.Add(new OracleFit
            {
                Domain = domainName,
                Target = target,
                Simulated = Math.Round(100 * oracle, 2),
                Largest = Math.Round(100 * largest, 2),
                AffinitySpread = domain.AffinitySpread,
            });
        }

        return report;
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

    /// <summary>
    /// Bin-weighted oracle and last-agent pass rates over <paramref name="episodesPerBin"/> tasks per bin;
    /// <paramref name="agentNames"/> cheapest first.
    /// </summary>
    private static (double Oracle, double Largest) OracleAndLargest(SimulatorModel model, Domain domain, string[] agentNames, IReadOnlyList<int> tasksPerBin, ulong seed, int episodesPerBin)
    {
        var pool = model.PoolOf("oracle", agentNames);
        var runner = new EpisodeRunner(model, pool);
        var routers = Enumerable.Range(0, pool.Count).Select(a => new FixedAgentRouter(a)).ToArray();
        var generator = new TaskGenerator(model, seed);
        var solvedByAny = new int[TaskSpace.BinCount];
        var solvedByLargest = new int[TaskSpace.BinCount];
        Parallel.For(0, TaskSpace.BinCount, bin =>
        {
            for (var i = 0; i < episodesPerBin; i++)
            {
                var task = generator.Create(domain, bin, i);
                var any = false;
                for (var a = 0; a < pool.Count; a++)
                {
                    var success = runner.Run(task, routers[a]).Success;
                    any |= success;
                    if (a == pool.Largest && success)
                    {
                        solvedByLargest[bin]++;
                    }
                }

                solvedByAny[bin] += any ? 1 : 0;
            }
        });

        double total = tasksPerBin.Sum(), oracle = 0, largest = 0;
        for (var b = 0; b < TaskSpace.BinCount; b++)
        {
            oracle += tasksPerBin[b] / total * solvedByAny[b] / episodesPerBin;
            largest += tasksPerBin[b] / total * solvedByLargest[b] / episodesPerBin;
        }

        return (oracle, largest);
    }

    /// <summary>
    /// Bisects the affinity spread at which the pool oracle hits <paramref name="oracleTarget"/>, re-fitting every
    /// cell's margin at each trial spread (a wider affinity flattens each cell's pass-rate curve, so the margins move
    /// with it); returns the margins at the fitted spread. The oracle rises with the spread: independent affinities
    /// make the agents fail on different tasks.
    /// </summary>
    private static double[,] FitAffinitySpread(SimulatorParameters template, Domain domain, string[] agentNames, IReadOnlyDictionary<string, TargetRow> rows, double[] gaps, IReadOnlyList<int> weights, double oracleTarget, ulong seed, int episodes, IProgress<string>? progress, out double spread)
    {
        double lo = 0, hi = MaxAffinitySpread;
        for (var i = 0; i < AffinityBisectionSteps; i++)
        {
            var mid = 0.5 * (lo + hi);
            var margins = FitMargins(template, domain, agentNames, rows, gaps, mid, seed, episodes, progress: null);
            var (oracle, _) = OracleAndLargest(MarginModel(template, domain, agentNames, margins, gaps, mid), domain, agentNames, weights, seed, episodes);
            progress?.Report($"{TaskSpace.Name(domain)} affinity spread {mid:0.000}: oracle {100 * oracle:0.0} (target {oracleTarget:0.0})");
            if (100 * oracle < oracleTarget)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        spread = 0.5 * (lo + hi);
        return FitMargins(template, domain, agentNames, rows, gaps, spread, seed, episodes, progress);
    }

    /// <summary>The template's capability gaps of the named agents in a domain (capability − their mean); 0 without a template value.</summary>
    private static double[] TemplateGaps(SimulatorParameters template, string domainName, string[] agentNames)
    {
        var capabilities = agentNames
            .Select(n => template.Agents.FirstOrDefault(a => a.Name == n)?.Capability.GetValueOrDefault(domainName) ?? 0.0)
            .ToArray();
        var mean = capabilities.Average();
        return [.. capabilities.Select(c => c - mean)];
    }

    /// <summary>Template dynamics, zero bin difficulty and reference; the named agents with exactly the given margins and gaps.</summary>
    private static SimulatorModel MarginModel(SimulatorParameters template, Domain domain, string[] agentNames, double[,] margins, double[] gaps, double spread)
    {
        var agents = new AgentParameters[agentNames.Length];
        for (var m = 0; m < agentNames.Length; m++)
        {
            var adjust = new double[TaskSpace.BinCount];
            for (var b = 0; b < TaskSpace.BinCount; b++)
            {
                adjust[b] = margins[b, m] - gaps[m];
            }

            agents[m] = AgentWithMargins(template, agentNames[m], domain, gaps[m], adjust);
        }

        return new SimulatorModel(ZeroedDomains(template, spread) with { Agents = agents });
    }

    private static AgentParameters AgentWithMargins(SimulatorParameters template, string name, Domain domain, double gap, double[] adjust) => template.Agents[0] with
    {
        Name = name,
        Pools = [],
        Capability = new Dictionary<string, double> { [TaskSpace.Name(domain)] = gap },
        BinAdjustment = new Dictionary<string, IReadOnlyList<double>> { [TaskSpace.Name(domain)] = adjust },
    };

    private static SimulatorParameters ZeroedDomains(SimulatorParameters template, double spread) => template with
    {
        Domains = template.Domains.Select(d => d with { BinDifficulty = new double[TaskSpace.BinCount], ReferenceCapability = 0, AffinitySpread = spread }).ToArray(),
    };

    private static double[,] FitMargins(SimulatorParameters template, Domain domain, string[] agentNames, IReadOnlyDictionary<string, TargetRow> rows, double[] gaps, double spread, ulong seed, int episodes, IProgress<string>? progress)
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
                if (PassRate(ProbeModel(template, domain, mid, gaps[m], spread), "probe", domain, bin, seed, episodes) < target)
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

    /// <summary>
    /// Template dynamics, zero bin difficulty and reference, the trial affinity spread, and one agent whose skill is
    /// exactly <paramref name="margin"/> and whose step-gap is <paramref name="gap"/> (how far pivotal and routine steps
    /// move it), so the probe's episodes are those of the real agent at that margin.
    /// </summary>
    private static SimulatorModel ProbeModel(SimulatorParameters template, Domain domain, double margin, double gap, double spread)
    {
        var adjust = new double[TaskSpace.BinCount];
        Array.Fill(adjust, margin - gap);
        return new SimulatorModel(ZeroedDomains(template, spread) with { Agents = [AgentWithMargins(template, "probe", domain, gap, adjust)] });
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
