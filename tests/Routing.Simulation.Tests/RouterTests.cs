using Routing.Simulation.Agents;
using Routing.Simulation.Episodes;
using Routing.Simulation.Observations;
using Routing.Simulation.Routers;
using Routing.Simulation.Tasks;

namespace Routing.Simulation.Tests;

/// <summary>The baseline routers and budget-constrained decoding, on simulated episodes.</summary>
public sealed class RouterTests
{
    private static readonly SimulatorModel Model = SimulatorModel.Default;

    [Theory]
    [InlineData(AgentPool.StepPairName)]
    [InlineData(AgentPool.SalePoolName)]
    public void BudgetWrapperNeverOverrunsOverManyRandomBudgetsAndCaps(string poolName)
    {
        var pool = Model.BuildPool(poolName);
        var runner = new EpisodeRunner(Model, pool);
        var generator = new TaskGenerator(Model, seed: 4242);
        var random = new Random(17);
        var stopped = 0;
        for (var i = 0; i < 600; i++)
        {
            var budget = (long)random.Next(200, 300_000);
            int? cap = random.Next(3) == 0 ? null : random.Next(0, 6);
            IStepRouter inner = (i % 3) switch
            {
                0 => new FixedAgentRouter(pool.Largest),
                1 => new RandomRouter(0.7, (ulong)i),
                _ => new CascadeRouter(),
            };
            var router = new BudgetConstrainedRouter(inner, budget, cap);
            var task = generator.Create((Domain)(i % 2), random.Next(TaskSpace.BinCount), i);

            var result = runner.Run(task, router);

            Assert.True(result.CostMicros <= budget, $"episode {i} spent {result.CostMicros} of a {budget} budget");
            if (cap is { } k)
            {
                Assert.True(result.CallsOnLargest <= k, $"episode {i} made {result.CallsOnLargest} large calls under K={k}");
            }

            stopped += result.End == EpisodeEnd.StoppedByRouter ? 1 : 0;
        }

        Assert.True(stopped > 0, "some budgets must be tight enough to stop an episode");
    }

    [Fact]
    public void BudgetWrapperFallsBackToTheCheaperAgentBeforeStopping()
    {
        var pool = Model.StepPair;
        var runner = new EpisodeRunner(Model, pool);
        var task = new TaskGenerator(Model, seed: 8).Create(Domain.Coding, 4, 0);
        var unconstrained = runner.Run(task, new FixedAgentRouter(pool.Largest));
        var trace = new List<StepObservation>();

        var result = runner.Run(task, new BudgetConstrainedRouter(new FixedAgentRouter(pool.Largest), unconstrained.CostMicros / 3, null), trace: trace);

        Assert.Contains(trace, o => o.Agent == pool.Smallest);
        Assert.True(result.CostMicros <= unconstrained.CostMicros / 3);
    }

    [Fact]
    public void LargeCapOfZeroNeverCallsTheLargestAgent()
    {
        var pool = Model.SalePool;
        var runner = new EpisodeRunner(Model, pool);
        var generator = new TaskGenerator(Model, seed: 9);
        var trace = new List<StepObservation>();
        for (var i = 0; i < 50; i++)
        {
            trace.Clear();
            var result = runner.Run(generator.Create(Domain.Search, i % TaskSpace.BinCount, i), new BudgetConstrainedRouter(new FixedAgentRouter(pool.Largest), null, 0), trace: trace);
            Assert.Equal(0, result.CallsOnLargest);
            Assert.All(trace, o => Assert.Equal(pool.Largest - 1, o.Agent));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void FirstLargeUsesTheLargestAgentExactlyForTheFirstKSteps(int k)
    {
        var pool = Model.StepPair;
        var runner = new EpisodeRunner(Model, pool);
        var generator = new TaskGenerator(Model, seed: 10);
        var trace = new List<StepObservation>();
        var longEpisodes = 0;
        for (var i = 0; i < 40; i++)
        {
            trace.Clear();
            var result = runner.Run(generator.Create((Domain)(i % 2), 2 + (i % 3), i), new FirstLargeRouter(k), trace: trace);
            foreach (var o in trace)
            {
                Assert.Equal(o.Step < k ? pool.Largest : pool.Smallest, o.Agent);
            }

            Assert.Equal(Math.Min(k, result.Steps), result.CallsOnLargest);
            longEpisodes += result.Steps > k ? 1 : 0;
        }

        Assert.True(longEpisodes > 0);
    }

    [Fact]
    public void CascadeStaysSmallUntilAFailedStepThenEscalates()
    {
        var pool = Model.StepPair;
        var runner = new EpisodeRunner(Model, pool);
        var generator = new TaskGenerator(Model, seed: 12);
        var trace = new List<StepObservation>();
        var escalations = 0;
        for (var i = 0; i < 100; i++)
        {
            trace.Clear();
            runner.Run(generator.Create((Domain)(i % 2), 3, i), new CascadeRouter(), trace: trace);
            var failed = false;
            foreach (var o in trace)
            {
                Assert.Equal(failed ? pool.Largest : pool.Smallest, o.Agent);
                if (o.IsError && !failed)
                {
                    failed = true;
                    escalations += o.Step + 1 < trace.Count ? 1 : 0;
                }
            }
        }

        Assert.True(escalations > 0, "hard tasks must produce failures that the cascade escalates on");
    }

    [Fact]
    public void RandomRouterIsSeededPerTaskAndHonoursTheExtremes()
    {
        var pool = Model.StepPair;
        var runner = new EpisodeRunner(Model, pool);
        var task = new TaskGenerator(Model, seed: 13).Create(Domain.Search, 4, 1);

        Assert.Equal(runner.Run(task, new RandomRouter(0.5, 3)), runner.Run(task, new RandomRouter(0.5, 3)));
        Assert.Equal(0, runner.Run(task, new RandomRouter(0, 3)).CallsOnLargest);
        var allLarge = runner.Run(task, new RandomRouter(1, 3));
        Assert.Equal(allLarge.Steps, allLarge.CallsOnLargest);
    }

    [Theory]
    [InlineData(AgentPool.StepPairName)]
    [InlineData(AgentPool.SalePoolName)]
    public void OracleSolvesWhatAnyAgentSolvesAndNeverCostsMoreThanAlwaysLargeOnASolvedTask(string poolName)
    {
        var pool = Model.BuildPool(poolName);
        var runner = new EpisodeRunner(Model, pool);
        var generator = new TaskGenerator(Model, seed: 14);
        var cheaper = 0;
        for (var i = 0; i < 200; i++)
        {
            var task = generator.Create((Domain)(i % 2), i % TaskSpace.BinCount, i);
            var oracle = runner.Run(task, new OracleRouter(runner));
            var anySolves = false;
            for (var a = 0; a < pool.Count; a++)
            {
                var fixedRun = runner.Run(task, new FixedAgentRouter(a));
                anySolves |= fixedRun.Success;
                if (fixedRun.Success)
                {
                    Assert.True(oracle.CostMicros <= fixedRun.CostMicros, $"task {i}: oracle {oracle.CostMicros} > agent {a} {fixedRun.CostMicros}");
                }
            }

            Assert.Equal(anySolves, oracle.Success);
            var large = runner.Run(task, new FixedAgentRouter(pool.Largest));
            if (large.Success)
            {
                Assert.True(oracle.CostMicros <= large.CostMicros);
                cheaper += oracle.CostMicros < large.CostMicros ? 1 : 0;
            }
        }

        Assert.True(cheaper > 0);
    }
}
