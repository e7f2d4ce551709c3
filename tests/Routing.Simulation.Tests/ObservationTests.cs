using Routing.Simulation.Episodes;
using Routing.Simulation.Observations;
using Routing.Simulation.Tasks;

namespace Routing.Simulation.Tests;

public sealed class ObservationTests
{
    private static readonly SimulatorModel Model = SimulatorModel.Default;

    [Theory]
    [InlineData(typeof(StepObservation))]
    [InlineData(typeof(StepContext))]
    [InlineData(typeof(SimTask))]
    [InlineData(typeof(EpisodeResult))]
    [InlineData(typeof(Agents.AgentProfile))]
    public void NothingARouterSeesExposesTheHiddenDifficultyOrWorkload(Type type)
    {
        var names = type.GetProperties().Select(p => p.Name)
            .Concat(type.GetMethods().Where(m => !m.IsSpecialName).Select(m => m.Name))
            .ToArray();

        // Hidden per task: difficulty, work; per task and agent: affinity, margin; per step: pivotal flag and
        // capability gap/skill. Routers see only the noisy cue (StepObservation.NeedsJudgement).
        foreach (var hidden in new[] { "Difficulty", "Required", "Affinity", "Pivotal", "Margin", "Skill", "Gap" })
        {
            Assert.DoesNotContain(names, n => n.Contains(hidden, StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public void SignalsAreNoisyRatherThanExact()
    {
        var runner = new EpisodeRunner(Model, Model.SalePool);
        var generator = new TaskGenerator(Model, 31);
        var trace = new List<StepObservation>();
        var kinds = new HashSet<ObservationKind>();
        int wrongAnswersWithoutErrors = 0, warnings = 0, retries = 0;
        var confidences = new HashSet<float>();

        for (var i = 0; i < 2_000; i++)
        {
            trace.Clear();
            var result = runner.Run(generator.Create((Domain)(i % 2), 2, i), new FixedAgentRouter(0), trace: trace);
            foreach (var o in trace)
            {
                kinds.Add(o.Kind);
                confidences.Add(o.Confidence);
                warnings += o.Kind == ObservationKind.Warning ? 1 : 0;
                retries += o.Retries;
                Assert.InRange(o.Confidence, 0f, 1f);
            }

            wrongAnswersWithoutErrors += result.End == EpisodeEnd.WrongAnswer && result.ReportedErrors == 0 ? 1 : 0;
        }

        // Silent failures exist (a wrong answer with no error on the way), harmless warnings exist, confidence varies.
        Assert.True(wrongAnswersWithoutErrors > 0);
        Assert.True(warnings > 0);
        Assert.True(retries > 0);
        Assert.True(confidences.Count > 20);
        Assert.Contains(ObservationKind.Looping, kinds);
        Assert.Contains(ObservationKind.TestFailure, kinds);
        Assert.Contains(ObservationKind.HttpError, kinds);
    }

    [Fact]
    public void ObservationsRenderAsAgentTrafficText()
    {
        var error = new StepObservation { Kind = ObservationKind.RuntimeError, Retries = 1, Confidence = 0.42f, Variant = 7 };
        var progress = new StepObservation { Kind = ObservationKind.Progress, Confidence = 0.9f, Variant = 3 };

        var tool = error.RenderToolMessage(Domain.Coding);
        var assistant = error.RenderAssistantMessage(Domain.Coding);

        Assert.Contains("Traceback", tool, StringComparison.Ordinal);
        Assert.StartsWith("[retry 1/3", tool, StringComparison.Ordinal);
        Assert.Contains("Confidence: 0.42", assistant, StringComparison.Ordinal);
        Assert.Contains("results", progress.RenderToolMessage(Domain.Search), StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(new TaskGenerator(Model, 1).Create(Domain.Search, 0, 0).Describe()));
    }

    [Fact]
    public void StepPairUsesTheListPricesOfTheTargetsFile()
    {
        var pair = Model.StepPair;

        Assert.Equal("gpt-4.1-mini", pair[pair.Smallest].Name);
        Assert.Equal("gpt-4.1", pair[pair.Largest].Name);
        Assert.Equal(400_000, pair[pair.Smallest].PriceInMicrosPerMTok);
        Assert.Equal(8_000_000, pair[pair.Largest].PriceOutMicrosPerMTok);
        Assert.Equal(["qwen3-4b", "qwen3-8b", "qwen3-14b", "qwen3-32b"], Enumerable.Range(0, Model.SalePool.Count).Select(i => Model.SalePool[i].Name));
    }
}
