using Routing.Sale.Jury;
using Routing.Sale.Prompts;
using Routing.Simulation;
using Routing.Simulation.Sale;
using Routing.Simulation.Tasks;
using Xunit;

namespace Routing.Sale.Tests;

/// <summary>The simulator's SALE signals carry (noisy) information about the bidder's chance, and refinement helps modestly.</summary>
public class SimulatedSignalTests
{
    private static readonly SimulatorModel Model = SimulatorModel.Default;

    [Fact]
    public void StrongerAgentsWriteShorterPlansAndGetBetterJuryScoresOnAverage()
    {
        var pool = Model.SalePool;
        var sale = new SaleResponder(Model, pool);
        var tasks = new TaskGenerator(Model, 5);
        double smallTokens = 0, largeTokens = 0, smallScore = 0, largeScore = 0;
        const int n = 400;
        for (var i = 0; i < n; i++)
        {
            var task = tasks.Create(Domain.Coding, i % 5, i);
            var small = sale.Bid(task, 0);
            var large = sale.Bid(task, pool.Largest);
            smallTokens += small.TokenCount;
            largeTokens += large.TokenCount;
            var verdict = sale.Judge(task, 1, "Plan 1:\n" + small.Text + "\n\nPlan 2:\n" + large.Text);
            var lines = verdict.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            smallScore += int.TryParse(lines[0].AsSpan(8), out var a) ? a : 0;
            largeScore += int.TryParse(lines[1].AsSpan(8), out var b) ? b : 0;
        }

        Assert.True(largeTokens < smallTokens, $"plan tokens large {largeTokens / n:0.0} vs small {smallTokens / n:0.0}");
        Assert.True(largeScore > smallScore, $"jury large {largeScore / n:0.00} vs small {smallScore / n:0.00}");
    }

    [Fact]
    public void AJurorAnswersTheMultiPlanPromptWithOneParseableLinePerPlanFollowingEachAuthorsChance()
    {
        var pool = Model.SalePool;
        var sale = new SaleResponder(Model, pool);
        var tasks = new TaskGenerator(Model, 7);
        var prompts = AuctionPrompts.Load();
        var byAuthor = new double[pool.Count];
        var counted = new int[pool.Count];
        var ownScore = 0.0;
        var ownCount = 0;
        var peerScoreOfSameAuthor = 0.0;
        var peerCount = 0;
        var excluded = 0;
        const int n = 300;
        for (var i = 0; i < n; i++)
        {
            var task = tasks.Create(Domain.Search, i % 5, i);
            var plans = string.Join("\n\n", Enumerable.Range(0, pool.Count).Select(a => $"Plan {a + 1}:\n{sale.Bid(task, a).Text}"));
            var prompt = AuctionPrompts.Render(prompts.Jury, new Dictionary<string, string> { ["task"] = task.Describe(), ["domain"] = "search", ["plans"] = plans });
            for (var juror = 0; juror < pool.Count; juror++)
            {
                var answer = JuryAnswer.Parse(sale.Judge(task, juror, prompt), pool.Count);
                excluded += answer.Invalid + answer.Missing;
                for (var a = 0; a < pool.Count; a++)
                {
                    if (answer.Scores[a] is not { } score)
                    {
                        continue;
                    }

                    byAuthor[a] += score;
                    counted[a]++;
                    if (a == 0 && juror == 0)
                    {
                        ownScore += score;
                        ownCount++;
                    }
                    else if (a == 0)
                    {
                        peerScoreOfSameAuthor += score;
                        peerCount++;
                    }
                }
            }
        }

        // Every plan gets a line; only the simulator's rare unusable lines (3% → 0.5% per plan) are excluded.
        Assert.InRange(excluded, 1, n * pool.Count * pool.Count * 6 / 100);
        Assert.True(byAuthor[pool.Largest] / counted[pool.Largest] > byAuthor[0] / counted[0], "the largest agent's plans score higher on average");
        Assert.True(ownScore / ownCount > peerScoreOfSameAuthor / peerCount, "a juror favours its own plan");
    }

    [Fact]
    public void AQuotedPlanCostsAboutTheTokensItWasWrittenIn()
    {
        var pool = Model.SalePool;
        var sale = new SaleResponder(Model, pool);
        var tasks = new TaskGenerator(Model, 8);
        long written = 0, quoted = 0;
        for (var i = 0; i < 200; i++)
        {
            var plan = sale.Bid(tasks.Create((Domain)(i % 2), i % 5, i), i % pool.Count);
            written += plan.TokenCount;
            quoted += SaleResponder.PromptTokens(plan.Text);
        }

        Assert.InRange((double)quoted / written, 0.85, 1.15);
    }

    [Fact]
    public void ARefinedPlanFromSameDomainPairsGivesABonusAndOnlyToItsAuthor()
    {
        var pool = Model.SalePool;
        var sale = new SaleResponder(Model, pool);
        var tasks = new TaskGenerator(Model, 6);
        var task = tasks.Create(Domain.Search, 2, 1);
        var past = Enumerable.Range(10, 8).Select(i => tasks.Create(Domain.Search, 2, i)).ToList();
        var pairs = string.Join("\n", past.Select(p => "Losing plan:\n" + sale.Bid(p, 0).Text + "\nWinning plan:\n" + sale.Bid(p, 3).Text));

        var refined = sale.Refine(task, 0, pairs);
        var unrefined = sale.Refine(task, 0, "no past tasks");

        Assert.Equal(sale.Parameters.RefineBonusMax, sale.PlanBonus(task, 0, refined.Text), 9);
        Assert.Equal(0, sale.PlanBonus(task, 1, refined.Text));
        Assert.Equal(0, sale.PlanBonus(task, 0, unrefined.Text));
        Assert.Equal(0, sale.PlanBonus(task, 0, sale.Bid(task, 0).Text));
    }
}
