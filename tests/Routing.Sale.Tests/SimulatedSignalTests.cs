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
