using Routing.Simulation.Calibration;
using Routing.Simulation.Episodes;
using Routing.Simulation.Observations;
using Routing.Simulation.Tasks;

namespace Routing.Simulation.Tests;

public sealed class EpisodeTests
{
    private static readonly SimulatorModel Model = SimulatorModel.Default;

    [Fact]
    public void PassRateFallsWithBinAndRisesWithCapability()
    {
        foreach (var domain in new[] { Domain.Search, Domain.Coding })
        {
            var previousLarge = double.MaxValue;
            for (var bin = 0; bin < TaskSpace.BinCount; bin++)
            {
                var small = SimulatorCalibration.PassRate(Model, "qwen3-4b", domain, bin, 3, 4_000);
                var large = SimulatorCalibration.PassRate(Model, "qwen3-32b", domain, bin, 3, 4_000);

                Assert.True(large > small, $"{domain} bin {bin}: 32B {large} vs 4B {small}");
                Assert.True(large < previousLarge, $"{domain} bin {bin}: 32B pass rate did not fall");
                previousLarge = large;
            }
        }
    }

    [Fact]
    public void HarderTasksOfTheSameBinFailMoreOften()
    {
        var runner = new EpisodeRunner(Model, Model.StepPair);
        var generator = new TaskGenerator(Model, 21);
        var router = new FixedAgentRouter(Model.StepPair.Largest);
        int easySolved = 0, easyCount = 0, hardSolved = 0, hardCount = 0;

        for (var i = 0; i < 6_000; i++)
        {
            var task = generator.Create(Domain.Coding, 2, i);
            var solved = runner.Run(task, router).Success ? 1 : 0;
            if (task.HiddenDifficulty < Model.Parameters.Domains[1].BinDifficulty[2])
            {
                easySolved += solved;
                easyCount++;
            }
            else
            {
                hardSolved += solved;
                hardCount++;
            }
        }

        Assert.True(easySolved / (double)easyCount > (hardSolved / (double)hardCount) + 0.2);
    }

    [Fact]
    public void EpisodeCostIsTheSumOfIntegerStepCostsFromTokensAndPrices()
    {
        var pool = Model.StepPair;
        var runner = new EpisodeRunner(Model, pool);
        var trace = new List<StepObservation>();
        var task = new TaskGenerator(Model, 8).Create(Domain.Search, 3, 0);

        var result = runner.Run(task, new AlternatingRouter(), trace: trace);

        Assert.Equal(result.Steps, trace.Count);
        Assert.Equal(result.CostMicros, trace.Sum(o => o.CostMicros));
        Assert.Equal(result.InputTokens, trace.Sum(o => (long)o.InputTokens));
        Assert.Equal(result.OutputTokens, trace.Sum(o => (long)o.OutputTokens));
        foreach (var step in trace)
        {
            var agent = pool[step.Agent];
            var exact = ((step.InputTokens * agent.PriceInMicrosPerMTok) + (step.OutputTokens * agent.PriceOutMicrosPerMTok)) / 1e6;
            Assert.Equal((long)Math.Ceiling(exact), step.CostMicros);
            Assert.True(step.CostMicros <= agent.WorstCaseCostMicros(step.InputTokens));
        }
    }

    [Fact]
    public void InputGrowsWithHistory()
    {
        var runner = new EpisodeRunner(Model, Model.SalePool);
        var trace = new List<StepObservation>();
        var task = new TaskGenerator(Model, 8).Create(Domain.Coding, 4, 1);

        runner.Run(task, new FixedAgentRouter(0), trace: trace);

        Assert.True(trace.Count > 2);
        Assert.Equal(task.PromptTokens, trace[0].InputTokens);
        for (var i = 1; i < trace.Count; i++)
        {
            Assert.Equal(trace[i - 1].InputTokens + trace[i - 1].OutputTokens + trace[i - 1].ObservationTokens, trace[i].InputTokens);
        }
    }

    [Fact]
    public void RouterChoosesTheAgentOfEveryStep()
    {
        var pool = Model.StepPair;
        var runner = new EpisodeRunner(Model, pool);
        var trace = new List<StepObservation>();
        var task = new TaskGenerator(Model, 9).Create(Domain.Search, 4, 2);

        var result = runner.Run(task, new AlternatingRouter(), trace: trace);

        Assert.All(trace, o => Assert.Equal(o.Step % 2 == 0 ? pool.Smallest : pool.Largest, o.Agent));
        Assert.Equal(trace.Count(o => o.Agent == pool.Largest), result.CallsOnLargest);
    }

    [Fact]
    public void BudgetMaskingRouterNeverOverspendsAndStopsWithAReason()
    {
        const long budget = 60_000;
        var runner = new EpisodeRunner(Model, Model.StepPair);
        var generator = new TaskGenerator(Model, 10);
        var stopped = 0;

        for (var i = 0; i < 500; i++)
        {
            var result = runner.Run(generator.Create(Domain.Coding, 4, i), new BudgetedLargeRouter(budget));

            Assert.True(result.CostMicros <= budget, $"episode {i} spent {result.CostMicros}");
            stopped += result.End == EpisodeEnd.StoppedByRouter ? 1 : 0;
        }

        Assert.True(stopped > 0);
    }

    [Fact]
    public void AgentOutsideThePoolIsRefused()
    {
        var runner = new EpisodeRunner(Model, Model.StepPair);
        var task = new TaskGenerator(Model, 1).Create(Domain.Search, 0, 0);

        var error = Assert.Throws<InvalidOperationException>(() => runner.Run(task, new BrokenRouter()));

        Assert.Contains("outside pool", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ErrorsCompoundSoTheStepAfterAnErrorFailsMoreOften()
    {
        var runner = new EpisodeRunner(Model, Model.SalePool);
        var generator = new TaskGenerator(Model, 12);
        var trace = new List<StepObservation>();
        int afterError = 0, errorAfterError = 0, afterProgress = 0, errorAfterProgress = 0;

        for (var i = 0; i < 4_000; i++)
        {
            trace.Clear();
            runner.Run(generator.Create(Domain.Search, 3, i), new FixedAgentRouter(0), trace: trace);
            for (var s = 1; s < trace.Count; s++)
            {
                if (trace[s - 1].IsError)
                {
                    afterError++;
                    errorAfterError += trace[s].IsError ? 1 : 0;
                }
                else if (trace[s - 1].Kind == ObservationKind.Progress)
                {
                    afterProgress++;
                    errorAfterProgress += trace[s].IsError ? 1 : 0;
                }
            }
        }

        Assert.True(errorAfterError / (double)afterError > (errorAfterProgress / (double)afterProgress) + 0.1);
    }
}
