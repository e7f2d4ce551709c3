using Routing.Simulation.Episodes;
using Routing.Simulation.Observations;
using Routing.Simulation.Tasks;

namespace Routing.Simulation.Tests;

public sealed class DeterminismTests
{
    [Fact]
    public void SameSeedGivesIdenticalEpisodes()
    {
        var first = Play(seed: 11, attempt: 0);
        var second = Play(seed: 11, attempt: 0);

        Assert.Equal(first, second);
    }

    [Fact]
    public void DifferentSeedsOrAttemptsGiveDifferentEpisodes()
    {
        var baseline = Play(seed: 11, attempt: 0);

        Assert.NotEqual(baseline, Play(seed: 12, attempt: 0));
        Assert.NotEqual(baseline, Play(seed: 11, attempt: 1));
    }

    [Fact]
    public void TaskGeneratorIsAPureFunctionOfSeedAndIndex()
    {
        var model = SimulatorModel.Default;

        var a = new TaskGenerator(model, 3).Create(Domain.Coding, 2, 17);
        var b = new TaskGenerator(model, 3).Create(Domain.Coding, 2, 17);

        Assert.Equal(a.Id, b.Id);
        Assert.Equal(a.Seed, b.Seed);
        Assert.Equal(a.HiddenDifficulty, b.HiddenDifficulty);
        Assert.Equal(a.Describe(), b.Describe());
    }

    private static string Play(ulong seed, int attempt)
    {
        var model = SimulatorModel.Default;
        var runner = new EpisodeRunner(model, model.SalePool);
        var generator = new TaskGenerator(model, seed);
        var trace = new List<StepObservation>();
        var log = new System.Text.StringBuilder();
        for (var i = 0; i < 200; i++)
        {
            trace.Clear();
            var task = generator.Create((Domain)(i % 2), i % TaskSpace.BinCount, i);
            var result = runner.Run(task, new AlternatingRouter(), attempt, trace);
            log.Append(result).Append('|').AppendJoin(';', trace).Append('\n');
        }

        return log.ToString();
    }
}
