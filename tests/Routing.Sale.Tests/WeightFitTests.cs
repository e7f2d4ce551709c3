using Routing.Sale.Scoring;
using Routing.Sale.Training;
using Xunit;

namespace Routing.Sale.Tests;

public class WeightFitTests
{
    private static BidFeatures Bid(string agent, double price, int tokens, int selfVote) =>
        new(agent, price, tokens, null, [new JuryVote("judge", selfVote)]);

    /// <summary>
    /// Two agents, one juror. Small (price 0.25) and large (price 1) write 100-token plans. Scores:
    /// small 0.25·w_c − γ_s·w_j, large w_c − γ_l·w_j. Tasks A and B have the same votes (small 2, large 4); A was
    /// solved only by large, B by both (cheapest solver: small), so no weights hit both: at most one of A, B.
    /// C (small 4, large 1) is solved by small only and small wins it for any w ≥ 0. So the most hits is 2.
    /// Among weights with 2 hits: small on A and B needs 0.75·w_c ≥ 2·w_j and gives z = 0.25·w_c − 2·w_j ≥ −0.5;
    /// large on A and B needs 0.75·w_c + margin ≤ 2·w_j and gives z = max(w_c − 4·w_j, 0.25·w_c − 4·w_j) = w_c − 4·w_j,
    /// minimal at w_c = 0, w_j = 1: z = −4. That is the unique optimum.
    /// </summary>
    [Fact]
    public void SmallInstanceReachesTheKnownOptimum()
    {
        TrainingTask Task(string id, int smallVote, int largeVote, params string[] solvers) => new()
        {
            TaskId = id,
            Bids = [Bid("small", 0.25, 100, smallVote), Bid("large", 1, 100, largeVote)],
            Solvers = solvers,
        };

        var tasks = new[] { Task("A", 2, 4, "large"), Task("B", 2, 4, "small", "large"), Task("C", 4, 1, "small") };
        var result = SaleWeightFitter.Fit(tasks, ["judge"], new FitOptions { Terms = ScoringTerms.Full with { Entropy = false } });

        Assert.True(result.Status == "OPTIMAL", $"{result.Status} obj={result.Objective} wc={result.Weights.Cost} wj={result.Weights.Jurors["judge"]} z={result.WorstWinnerScore} picked={result.CheapestSolverPicked}");
        Assert.Equal(2, result.CheapestSolverPicked);
        Assert.Equal(3, result.TasksWithSolver);
        Assert.Equal(0.0, result.Weights.Cost, 6);
        Assert.Equal(1.0, result.Weights.Jurors["judge"], 6);
        Assert.Equal(-4.0, result.WorstWinnerScore, 6);
        Assert.Equal(1, result.Wins["small"]);
        Assert.Equal(2, result.Wins["large"]);
    }

    [Fact]
    public void WhenTheLargeAgentAloneSolvesEverythingTheFitPicksIt()
    {
        var tasks = Enumerable.Range(0, 4).Select(i => new TrainingTask
        {
            TaskId = "t" + i,
            Bids = [Bid("small", 0.25, 100, 1), Bid("large", 1, 100, 5)],
            Solvers = ["large"],
        }).ToList();

        var result = SaleWeightFitter.Fit(tasks, ["judge"]);

        Assert.Equal(4, result.CheapestSolverPicked);
        Assert.Equal(4, result.Wins["large"]);
    }

    /// <summary>
    /// At the grid point w_c = 1, w_j = 0.25 the large bid scores 0.0005 below the cheaper small one: the auction
    /// would give it to large, but the program requires a winner a full margin (10⁻³) below every cheaper bid, so
    /// that point violates a constraint. SCIP discards such a hint silently and starts from nothing, so the warm
    /// start must never be one.
    /// </summary>
    [Fact]
    public void WarmStartNeverViolatesTheMarginConstraints()
    {
        var tasks = new[]
        {
            new TrainingTask
            {
                TaskId = "near-tie",
                Bids = [Bid("small", 0.2505, 100, 2), Bid("large", 1, 50, 3)],
                Solvers = ["large"],
            },
        };
        var options = new FitOptions { Terms = ScoringTerms.Full with { Entropy = false }, StartSamples = 0 };

        var start = FitWarmStart.Find(tasks, ["judge"], options, bigM: 100, rewardWeight: 1_000);

        Assert.True(start.Infeasible > 0, "the near-tie grid point should have been found infeasible");
        AssertMarginsHold(tasks, start, options);
    }

    /// <summary>On random instances the start is feasible and the solver's answer is never worse than it.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void SolverEndsNoWorseThanItsFeasibleWarmStart(int seed)
    {
        var random = new Random(seed);
        string[] agents = ["a", "b", "c"];
        double[] prices = [0.2, 0.5, 1];
        var tasks = Enumerable.Range(0, 40).Select(t => new TrainingTask
        {
            TaskId = "t" + t,
            Bids = [.. agents.Select((a, i) => new BidFeatures(a, prices[i], random.Next(20, 200), random.NextDouble(),
                [.. agents.Select(j => new JuryVote(j, random.Next(0, 6)))]))],
            Solvers = [.. agents.Where((_, i) => random.NextDouble() < 0.3 + (0.2 * i))],
        }).ToList();
        var options = new FitOptions { TimeLimit = TimeSpan.FromSeconds(2), StartSamples = 200, Seed = seed };

        var result = SaleWeightFitter.Fit(tasks, agents, options);

        Assert.True(result.Objective <= result.StartObjective + 1e-6, $"solver {result.Objective} vs warm start {result.StartObjective}");
        AssertMarginsHold(tasks, FitWarmStart.Find(tasks, agents, options, bigM: 1_000, rewardWeight: 1e5), options);
    }

    private static void AssertMarginsHold(IReadOnlyList<TrainingTask> tasks, FitStart start, FitOptions options)
    {
        for (var t = 0; t < tasks.Count; t++)
        {
            var bids = tasks[t].Bids;
            var winner = BidScore.Of(bids[start.Winners[t]], start.Weights, options.Terms).Score;
            foreach (var bid in bids.Where(b => SaleWeightFitter.Cheaper(b, bids[start.Winners[t]])))
            {
                Assert.True(BidScore.Of(bid, start.Weights, options.Terms).Score >= winner + options.Margin - 1e-12, $"task {tasks[t].TaskId}: {bid.Bidder} within the margin of the winner");
            }
        }
    }
}
