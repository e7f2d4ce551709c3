using Routing.Outcomes.Costs;
using Routing.Outcomes.Data;
using Routing.Outcomes.Evaluation;
using Routing.Outcomes.Training;
using Xunit;

namespace Routing.Outcomes.Tests;

/// <summary>Train on one set of outcomes, evaluate on another: a hand-made instance with a known best router, and slices of the real data.</summary>
public sealed class EndToEndTests
{
    private static readonly TrainerSettings Small = new() { HashWidth = 256, Epochs = 60 };

    private static OutcomeRouter Train(OutcomeDataset train, PriceTable prices, TrainerSettings settings)
    {
        var costs = new CostEstimator().Costs(train, prices);
        var provenance = new RouterProvenance(train.Path, train.Sha256, train.Records.Count, null, null, prices.Path, costs.Describe(), 256, 4, settings);
        return OutcomeRouterTrainer.Train(train, costs, settings, provenance, prices);
    }

    private static EvaluationReport Evaluate(OutcomeRouter router, OutcomeDataset test, PriceTable prices) =>
        OutcomeEvaluator.Evaluate(router, test, new CostEstimator().Costs(test, prices), "test", new EvaluationSettings());

    /// <summary>Arithmetic queries both models answer; proof queries only the dear model b answers.</summary>
    private static string Synthetic(int count, int offset)
    {
        var lines = new List<string>();
        for (var i = offset; i < offset + count; i++)
        {
            var hard = i % 3 == 0;
            var text = hard ? $"prove the theorem about primes number {i}" : $"add the numbers {i} and {i + 1}";
            lines.Add($$$$"""{"id": "q{{{{i}}}}", "text": "{{{{text}}}}", "outcomes": {"a": {"score": {{{{(hard ? 0 : 1)}}}}, "cost_usd": 0.001}, "b": {"score": 1, "cost_usd": 0.01}}}""");
        }

        return string.Join("\n", lines);
    }

    [Fact]
    public void RouterLearnsToSendOnlyHardQueriesToTheDearModel()
    {
        using var files = new TempFiles();
        var prices = PriceTable.Load(files.PricesAB());
        var train = OutcomeReader.Read(files.Write("train.jsonl", Synthetic(300, 0)));
        var test = OutcomeReader.Read(files.Write("test.jsonl", Synthetic(150, 1000)));

        var report = Evaluate(Train(train, prices, Small), test, prices);

        // Best single: b, accuracy 1 at $0.01. A perfect router sends the third of hard queries to b: accuracy 1 at $0.004.
        Assert.Equal("b", report.BestSingle.Model);
        Assert.Equal(0.95, report.TargetAccuracy, 12);
        Assert.Equal(1.0, report.Oracle.Accuracy, 12);
        Assert.Equal(0.004, report.Oracle.CostUsd, 12);
        Assert.Contains(report.Router, p => p.Accuracy == 1.0 && Math.Abs(p.CostUsd - 0.004) < 1e-12);
        Assert.NotNull(report.RouterToTarget);
        Assert.NotNull(report.RandomToTarget);
        Assert.InRange(report.RouterToTarget.CostUsd, 0.001, 0.004);
        // Random routing: accuracy of a is 2/3, so reaching 0.95 needs b on 85 % of queries: 0.001 + 0.85 × 0.009.
        Assert.Equal(0.001 + (0.85 * 0.009), report.RandomToTarget.CostUsd, 9);
        Assert.Equal("b", report.SingleToTarget!.How);
        Assert.False(report.CostsEstimated);
    }

    [Fact]
    public void RouterFileRoundTripGivesTheSameEvaluation()
    {
        using var files = new TempFiles();
        var prices = PriceTable.Load(files.PricesAB());
        var train = OutcomeReader.Read(files.Write("train.jsonl", Synthetic(120, 0)));
        var test = OutcomeReader.Read(files.Write("test.jsonl", Synthetic(60, 500)));
        var router = Train(train, prices, Small with { Epochs = 20 });
        var path = files.PathOf("nested/router.json");

        RouterFile.Save(router, path);
        var loaded = RouterFile.Load(path);

        Assert.Equal(router.Provenance, loaded.Provenance);
        Assert.Equal(
            Evaluate(router, test, prices).Router.Select(p => (p.Accuracy, p.CostUsd)),
            Evaluate(loaded, test, prices).Router.Select(p => (p.Accuracy, p.CostUsd)));
    }

    [Fact]
    public void RouterFileWithTheWrongFormatIsRefused()
    {
        using var files = new TempFiles();
        var path = files.Write("router.json", """{"format": "something-else", "hash_width": 16}""");

        var error = Assert.Throws<OutcomeDataException>(() => RouterFile.Load(path));

        Assert.Contains("field 'format'", error.Message);
    }

    [SkippableFact]
    public void RouterArenaSeededSplitIsDeterministicWithRecordedCosts()
    {
        Skip.If(RealData.Directory is null, RealData.SkipMessage);
        var prices = PriceTable.Load(RealData.File("routerarena.models.json"));
        var (train, test) = HoldoutSplit.Split(OutcomeReader.Read(RealData.File("routerarena.jsonl"), clipScores: true), 0.3, 1);

        var first = Evaluate(Train(train, prices, Small), test, prices);
        var second = Evaluate(Train(train, prices, Small), test, prices);

        Assert.Equal(first.Router.Select(p => (p.Lambda, p.Accuracy, p.CostUsd)), second.Router.Select(p => (p.Lambda, p.Accuracy, p.CostUsd)));
        Assert.False(first.CostsEstimated);
        Assert.Equal(1, first.ClippedScores);
        Assert.Equal("gemini-2.0-flash-001", first.BestSingle.Model);
        Assert.InRange(first.Queries, 200, 290);
        // The router never does worse than the weaker model, and its cheapest end is the cheaper model alone.
        Assert.True(first.RouterBest.Accuracy >= first.Singles.Min(s => s.Accuracy));
        Assert.Equal(1.0, first.Router[^1].Shares[first.Singles.ToList().FindIndex(s => s.Model == "gemini-2.0-flash-001")], 12);
    }

    [SkippableFact]
    public void DcrouterSliceHasEstimatedCostsAndBeatsUniformRandom()
    {
        Skip.If(RealData.Directory is null, RealData.SkipMessage);
        var prices = PriceTable.Load(RealData.File("dcrouter.models.json"));
        var trainAll = OutcomeReader.Read(RealData.File("dcrouter.train.jsonl"));
        var testAll = OutcomeReader.Read(RealData.File("dcrouter.test.jsonl"));
        var train = trainAll.WithRecords([.. trainAll.Records.Take(1500)]);
        var test = testAll.WithRecords([.. testAll.Records.Take(300)]);

        var report = Evaluate(Train(train, prices, Small), test, prices);

        Assert.True(report.CostsEstimated);
        Assert.Contains("ESTIMATED", report.CostDescription);
        Assert.Equal(9, report.Models.Count);
        Assert.True(report.RouterBest.Accuracy > report.UniformRandom.Accuracy, $"router {report.RouterBest.Accuracy} vs uniform random {report.UniformRandom.Accuracy}");
        // gemma-2-9b is the cheapest per token, so the largest λ sends everything there.
        Assert.Equal(1.0, report.Router[^1].Shares[report.Models.ToList().IndexOf("gemma-2-9b-it")], 12);
    }
}
