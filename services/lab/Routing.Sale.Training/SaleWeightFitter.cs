using Google.OrTools.LinearSolver;
using Routing.Sale.Scoring;
using Routing.Sale.Weights;

namespace Routing.Sale.Training;

/// <summary>Bounds and solver limits of the fit.</summary>
public sealed record FitOptions
{
    /// <summary>w_c ∈ [0, this].</summary>
    public double MaxCostWeight { get; init; } = 1;

    /// <summary>w_h ∈ [−this, this]: the fit decides whether plan entropy helps or hurts.</summary>
    public double MaxEntropyWeight { get; init; } = 1;

    /// <summary>w_j ∈ [0, this].</summary>
    public double MaxJurorWeight { get; init; } = 1;

    /// <summary>How much lower a winner must score than every cheaper bid (ties go to the cheaper agent, as in the auction).</summary>
    public double Margin { get; init; } = 1e-3;

    public TimeSpan TimeLimit { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Reward of picking an agent that solved the task: 1 − this × π (π the relative price), so any solver beats
    /// any non-solver and among solvers the cheaper earns more.
    /// </summary>
    public double CostPreference { get; init; } = 0.5;

    /// <summary>Reward of picking an agent on a task nobody solved: this × (1 − π) ("fail cheaply").</summary>
    public double UnsolvedPreference { get; init; } = 0.1;

    public ScoringTerms Terms { get; init; } = ScoringTerms.Full;

    /// <summary>Random weight vectors tried, besides a small grid, for the solver's warm start.</summary>
    public int StartSamples { get; init; } = 2_000;

    /// <summary>Seed of those samples: the fit is deterministic for a given seed and time limit.</summary>
    public int Seed { get; init; } = 1;

    public string Version { get; init; } = "sale-weights-" + DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The fitted weights and how the program went.</summary>
/// <param name="SolverPicked">Training tasks whose fitted winner solved them.</param>
/// <param name="CheapestSolverPicked">Training tasks whose fitted winner is the cheapest agent that solved them.</param>
/// <param name="StartObjective">The warm start's objective: the solver's is never worse; lower means it improved on the start.</param>
public sealed record FitResult(SaleWeightsDocument Weights, string Status, double Objective, double StartObjective, double WorstWinnerScore, int SolverPicked, int CheapestSolverPicked, int TasksWithSolver, IReadOnlyDictionary<string, int> Wins);

/// <summary>
/// Fits w = (w_c, w_h, w_1..w_n) by the min–max mixed-integer program of docs/design.md §2.2.6 (docs/sale.md):
/// binaries x_{t,i} pick one winner per task, big-M constraints make it the argmin of s = C − V under w (ties to
/// the cheaper agent), and the objective, lexicographically, first maximises the outcome reward of the winners
/// (a solver earns 1 − β·π, so the cheapest solver earns most; see <see cref="FitOptions.CostPreference"/>), then
/// minimises the worst winner's score z = max_t s_{t,winner}. docs/sale.md explains why the reward is not the bare
/// "cheapest solver" indicator: on the simulator that indicator is maximised by always picking the smallest agent.
/// </summary>
public static class SaleWeightFitter
{
    public static FitResult Fit(IReadOnlyList<TrainingTask> tasks, IReadOnlyList<string> agents, FitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(agents);
        options ??= new FitOptions();
        if (tasks.Count == 0 || agents.Count == 0)
        {
            throw new ArgumentException("The fit needs at least one training task and one agent.", nameof(tasks));
        }

        var terms = options.Terms;
        using var solver = Solver.CreateSolver("SCIP")
            ?? throw new InvalidOperationException("OR-Tools has no SCIP solver in this build; the native library did not load.");
        var wc = solver.MakeNumVar(0, options.MaxCostWeight, "w_c");
        var wh = solver.MakeNumVar(terms.Entropy ? -options.MaxEntropyWeight : 0, terms.Entropy ? options.MaxEntropyWeight : 0, "w_h");
        var wj = agents.ToDictionary(a => a, a => solver.MakeNumVar(0, terms.Jury ? options.MaxJurorWeight : 0, "w_" + a), StringComparer.Ordinal);

        // The largest |s| any weights within the bounds can give bounds M: tight big-M keeps the margin meaningful
        // under the solver's tolerances (a loose M = 10⁴ lets a "0.9999999" binary switch a constraint off).
        var bound = 0.0;
        foreach (var task in tasks)
        {
            foreach (var bid in task.Bids)
            {
                var s = (options.MaxCostWeight * bid.CostFeature(terms)) + (options.MaxEntropyWeight * bid.EntropyFeature(terms))
                    + (options.MaxJurorWeight * bid.Votes.Where(v => bid.Counts(v.Juror, terms)).Sum(v => (double)v.Score));
                bound = Math.Max(bound, s);
            }
        }

        var bigM = (2 * bound) + 1;
        var z = solver.MakeNumVar(-bigM, bigM, "z");
        LinearExpr reward = new();
        var x = new Variable[tasks.Count][];
        for (var t = 0; t < tasks.Count; t++)
        {
            var bids = tasks[t].Bids;
            if (bids.Count == 0)
            {
                x[t] = [];
                continue;
            }

            x[t] = new Variable[bids.Count];
            var score = new LinearExpr[bids.Count];
            for (var i = 0; i < bids.Count; i++)
            {
                x[t][i] = solver.MakeBoolVar($"x_{t}_{i}");
                score[i] = Score(bids[i], wc, wh, wj, terms);
            }

            solver.Add(Sum(x[t]) == 1);
            for (var i = 0; i < bids.Count; i++)
            {
                for (var k = 0; k < bids.Count; k++)
                {
                    if (k == i)
                    {
                        continue;
                    }

                    // Winner i scores no higher than k, and strictly lower than any cheaper k (the auction's tie-break).
                    var margin = Cheaper(bids[k], bids[i]) ? options.Margin : 0;
                    solver.Add(score[i] - score[k] + margin <= bigM * (1 - x[t][i]));
                }

                solver.Add(z >= score[i] - (bigM * (1 - x[t][i])));
            }

            for (var i = 0; i < bids.Count; i++)
            {
                reward += Reward(tasks[t], i, options) * x[t][i];
            }
        }

        // Lexicographic in effect: choices that matter differ in reward by at least about 0.01 (price steps × β),
        // and z spans at most 2M, so the reward is scaled to outweigh any change of z.
        var weight = 100 * ((2 * bigM) + 1);
        solver.Minimize(z - (weight * reward));

        // Warm start: SCIP's relaxation of big-M argmin constraints is weak, and from a poor start it rarely improves
        // within a minute on a few hundred tasks. The start (FitWarmStart) is the best feasible point, by this
        // program's own objective, of a grid and seeded random weight vectors, with each task's winner under it; the
        // solver then improves on it or proves it optimal, and its status is reported as it is.
        var start = FitWarmStart.Find(tasks, agents, options, bigM, weight);
        var hintVariables = new List<Variable> { wc, wh, z };
        var hintValues = new List<double> { start.Weights.Cost, start.Weights.Entropy, start.Z };
        foreach (var (name, w) in wj)
        {
            hintVariables.Add(w);
            hintValues.Add(start.Weights.Juror(name));
        }

        for (var t = 0; t < tasks.Count; t++)
        {
            for (var i = 0; i < x[t].Length; i++)
            {
                hintVariables.Add(x[t][i]);
                hintValues.Add(i == start.Winners[t] ? 1 : 0);
            }
        }

        solver.SetHint([.. hintVariables], [.. hintValues]);
        solver.SetTimeLimit((long)options.TimeLimit.TotalMilliseconds);
        var status = solver.Solve();
        if (status is not (Solver.ResultStatus.OPTIMAL or Solver.ResultStatus.FEASIBLE))
        {
            throw new InvalidOperationException($"The weight program ended {status}: no weights found within {options.TimeLimit.TotalSeconds:0} s.");
        }

        var document = new SaleWeightsDocument
        {
            Version = options.Version,
            Cost = Clean(wc.SolutionValue()),
            Entropy = Clean(wh.SolutionValue()),
            Jurors = wj.ToDictionary(p => p.Key, p => Math.Max(0, Clean(p.Value.SolutionValue())), StringComparer.Ordinal),
            DefaultJuror = 0,
        };
        var weights = document.ToWeights();
        var mean = weights.Jurors.Count == 0 ? 0 : weights.Jurors.Values.Average();
        weights = weights with { DefaultJuror = mean };
        var (wins, solverPicked, picked, solved, worst) = Evaluate(tasks, weights, terms);
        document = document with
        {
            DefaultJuror = mean,
            Training = new SaleTrainingSummary
            {
                Solver = "OR-Tools " + Google.OrTools.Init.OrToolsVersion.VersionString() + " SCIP",
                Status = status.ToString(),
                Objective = solver.Objective().Value(),
                WarmStartObjective = start.Objective,
                WorstWinnerScore = worst,
                Tasks = tasks.Count,
                TasksWithSolver = solved,
                SolverPicked = solverPicked,
                CheapestSolverPicked = picked,
                Wins = wins,
                CreatedAt = DateTime.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            },
        };
        return new FitResult(document, status.ToString(), solver.Objective().Value(), start.Objective, worst, solverPicked, picked, solved, wins);
    }

    /// <summary>Re-runs the auction's own argmin with the weights: wins per agent, solver and cheapest-solver hits, worst winner score.</summary>
    public static (Dictionary<string, int> Wins, int SolverPicked, int CheapestSolverPicked, int Solved, double Worst) Evaluate(IReadOnlyList<TrainingTask> tasks, SaleWeights weights, ScoringTerms terms)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        var wins = new Dictionary<string, int>(StringComparer.Ordinal);
        int solverPicked = 0, picked = 0, solved = 0;
        var worst = double.NegativeInfinity;
        foreach (var task in tasks)
        {
            if (task.Bids.Count == 0)
            {
                continue;
            }

            var winner = Winner(task.Bids, weights, terms);
            solverPicked += task.Solvers.Contains(task.Bids[winner].Bidder) ? 1 : 0;
            wins[task.Bids[winner].Bidder] = wins.GetValueOrDefault(task.Bids[winner].Bidder) + 1;
            worst = Math.Max(worst, BidScore.Of(task.Bids[winner], weights, terms).Score);
            if (CheapestSolver(task) is { } s)
            {
                solved++;
                picked += s == winner ? 1 : 0;
            }
        }

        return (wins, solverPicked, picked, solved, worst);
    }

    /// <summary>The auction's choice: lowest score, ties to the cheaper agent.</summary>
    public static int Winner(IReadOnlyList<BidFeatures> bids, SaleWeights weights, ScoringTerms terms)
    {
        ArgumentNullException.ThrowIfNull(bids);
        var best = 0;
        var bestScore = BidScore.Of(bids[0], weights, terms).Score;
        for (var i = 1; i < bids.Count; i++)
        {
            var s = BidScore.Of(bids[i], weights, terms).Score;
            if (s < bestScore - 1e-9 || (Math.Abs(s - bestScore) <= 1e-9 && Cheaper(bids[i], bids[best])))
            {
                best = i;
                bestScore = s;
            }
        }

        return best;
    }

    /// <summary>r_ti: a solver earns 1 − β·π; a non-solver of a solved task 0; on an unsolved task, fail cheaply.</summary>
    internal static double Reward(TrainingTask task, int i, FitOptions options)
    {
        var bid = task.Bids[i];
        return task.Solvers.Contains(bid.Bidder) ? 1 - (options.CostPreference * bid.RelativePrice)
            : task.Solvers.Count > 0 ? 0 : options.UnsolvedPreference * (1 - bid.RelativePrice);
    }

    private static int? CheapestSolver(TrainingTask task)
    {
        int? best = null;
        for (var i = 0; i < task.Bids.Count; i++)
        {
            if (task.Solvers.Contains(task.Bids[i].Bidder) && (best is null || Cheaper(task.Bids[i], task.Bids[best.Value])))
            {
                best = i;
            }
        }

        return best;
    }

    internal static bool Cheaper(BidFeatures a, BidFeatures b) =>
        a.RelativePrice < b.RelativePrice || (a.RelativePrice == b.RelativePrice && string.CompareOrdinal(a.Bidder, b.Bidder) < 0);

    private static LinearExpr Score(BidFeatures bid, Variable wc, Variable wh, Dictionary<string, Variable> wj, ScoringTerms terms)
    {
        LinearExpr s = wc * bid.CostFeature(terms) - (wh * bid.EntropyFeature(terms));
        foreach (var vote in bid.Votes)
        {
            if (bid.Counts(vote.Juror, terms) && wj.TryGetValue(vote.Juror, out var w))
            {
                s -= w * vote.Score;
            }
        }

        return s;
    }

    private static LinearExpr Sum(Variable[] variables)
    {
        LinearExpr sum = new();
        foreach (var v in variables)
        {
            sum += v;
        }

        return sum;
    }

    /// <summary>Solver values within 1e-9 of a round number are that number (no "-0.000000001" in the file).</summary>
    private static double Clean(double value) => Math.Abs(value - Math.Round(value, 6)) < 1e-9 ? Math.Round(value, 6) : value;
}
