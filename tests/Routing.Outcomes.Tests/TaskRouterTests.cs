using Routing.Outcomes.Costs;
using Routing.Outcomes.Data;
using Routing.Outcomes.Routers;
using Xunit;

namespace Routing.Outcomes.Tests;

/// <summary>The calibrated task router and its baselines: boilerplate, TF-IDF, calibration with shrinkage, validation-chosen operating points.</summary>
public sealed class TaskRouterTests
{
    private static readonly LearnerSettings Small = new() { Width = 1024, Epochs = 40, Folds = 3 };

    [Fact]
    public void BoilerplateStripsTheSharedPrefixAndFrequentLinesButKeepsTheQuestion()
    {
        var prefix = "You are a careful assistant. Answer the question below.\nExample: what is 1+1? 2\n";
        string[] texts = [.. Enumerable.Range(0, 20).Select(i => prefix + $"Answer with one word.\n{(i % 2 == 0 ? "name the capital of" : "which sea borders")} country {i}?")];

        var boilerplate = Boilerplate.Learn(texts);

        Assert.StartsWith("You are a careful assistant", boilerplate.Prefix);
        Assert.Contains("Answer with one word.", boilerplate.Lines);
        Assert.Equal("which sea borders country 7?", boilerplate.Strip(texts[7]));
        // A text that is nothing but boilerplate keeps its words rather than becoming empty.
        Assert.Equal("Answer with one word.", boilerplate.Strip("Answer with one word."));
    }

    [Fact]
    public void IdfDownweightsWordsEveryTrainingTextShares()
    {
        string[] texts = [.. Enumerable.Range(0, 10).Select(i => $"common words here and topic{i}")];
        var space = TfIdfSpace.Learn(texts, 4096, stripBoilerplate: false);

        var vector = space.Encode("common topic3");

        // "common", "topic3" and the bigram "common topic3".
        Assert.Equal(3, vector.Indices.Length);
        var common = vector.Values.Min();
        var rare = vector.Values.Max();
        Assert.True(rare > 1.5 * common, $"rare {rare} vs common {common}");
        Assert.Equal(1.0, vector.Values.Sum(v => (double)v * v), 5);
    }

    [Fact]
    public void CalibrationWithoutEvidenceFallsBackToTheBaseRate()
    {
        // Three noisy records: the slopes are shrunk to nothing and every prediction is the base rate.
        double[][] inputs = [[0.9, 0.2], [0.1, 0.8], [0.6, 0.6]];
        double[] labels = [1, 0, 1];

        var calibration = Calibration.Fit(inputs, labels, shrinkage: 1e6);

        Assert.Equal(2.0 / 3, calibration.Apply([0.99, 0.99]), 3);
        Assert.Equal(2.0 / 3, calibration.Apply([0.01, 0.01]), 3);
    }

    [Fact]
    public void CalibrationWithEvidenceFollowsTheLearner()
    {
        double[][] inputs = [.. Enumerable.Range(0, 400).Select(i => new[] { i % 2 == 0 ? 0.8 : 0.2, 0.5 })];
        double[] labels = [.. Enumerable.Range(0, 400).Select(i => i % 2 == 0 ? (i % 10 < 8 ? 1.0 : 0) : (i % 10 < 2 ? 1.0 : 0))];

        var calibration = Calibration.Fit(inputs, labels, shrinkage: 20);

        Assert.InRange(calibration.Apply([0.8, 0.5]), 0.7, 0.9);
        Assert.InRange(calibration.Apply([0.2, 0.5]), 0.1, 0.3);
    }

    [Fact]
    public void BonusKeepsTheDefaultModelUnlessAnotherIsClearlyBetter()
    {
        var point = new OperatingPoint(0, 0.1);

        Assert.Equal(0, point.Choose([0.60, 0.65], [1, 1], defaultModel: 0));
        Assert.Equal(1, point.Choose([0.60, 0.75], [1, 1], defaultModel: 0));
    }

    /// <summary>Arithmetic queries both models answer, proof queries only the dear model b answers; or, with <paramref name="noise"/>, outcomes unrelated to the text.</summary>
    private static string Synthetic(int count, int offset, bool noise = false)
    {
        var random = new Random(offset);
        var lines = new List<string>();
        for (var i = offset; i < offset + count; i++)
        {
            var hard = i % 3 == 0;
            var text = hard ? $"prove the theorem about primes number {i}" : $"add the numbers {i} and {i + 1}";
            var a = noise ? (random.NextDouble() < 0.5 ? 1 : 0) : (hard ? 0 : 1);
            var b = noise ? (random.NextDouble() < 0.6 ? 1 : 0) : 1;
            lines.Add($$$$"""{"id": "q{{{{i}}}}", "text": "{{{{text}}}}", "outcomes": {"a": {"score": {{{{a}}}}, "cost_usd": 0.001}, "b": {"score": {{{{b}}}}, "cost_usd": 0.01}}}""");
        }

        return string.Join("\n", lines);
    }

    private static ComparisonReport Compare(TempFiles files, string train, string test)
    {
        var prices = PriceTable.Load(files.PricesAB());
        var trainSet = OutcomeReader.Read(files.Write("train.jsonl", train));
        var testSet = OutcomeReader.Read(files.Write("test.jsonl", test));
        var estimator = new CostEstimator();
        return RouterComparison.Run(trainSet, estimator.Costs(trainSet, prices), testSet, estimator.Costs(testSet, prices), "test", Small, 0.95);
    }

    [Fact]
    public void EveryRouterFindsTheHardQueriesAndTheValidationChosenPointsHoldOnTest()
    {
        using var files = new TempFiles();

        var report = Compare(files, Synthetic(300, 0), Synthetic(150, 1000));

        Assert.Equal([RouterKind.Calibrated, RouterKind.KnnTfIdf, RouterKind.LogisticTfIdf], report.Methods.Select(m => m.Kind));
        Assert.Equal(0.004, report.Oracle.CostUsd, 12);
        foreach (var method in report.Methods)
        {
            Assert.Equal(1.0, method.ValidatedBest.Accuracy, 6);
            var target = Assert.IsType<Routing.Outcomes.Evaluation.CurvePoint>(method.ValidatedTarget);
            Assert.True(target.CostUsd < 0.006, $"{method.Name}: {target.CostUsd}");
            Assert.NotNull(method.ReferenceToTarget);
        }
    }

    [Fact]
    public void WithoutSignalTheCalibratedRouterFallsBackToTheBestModel()
    {
        using var files = new TempFiles();

        var report = Compare(files, Synthetic(90, 0, noise: true), Synthetic(300, 5000, noise: true));

        var router = report.Methods.Single(m => m.Kind == RouterKind.Calibrated);
        var b = report.Singles.Single(s => s.Model == "b");
        // Outcomes do not depend on the text: the most accurate point chosen on validation sends (almost) everything to b.
        Assert.InRange(router.ValidatedBest.Accuracy, b.Accuracy - 0.01, 1);
        Assert.True(router.ValidatedBest.CostUsd >= 0.95 * b.CostUsd, $"{router.ValidatedHow}: {router.ValidatedBest} vs {b}");
    }

    [Fact]
    public void CrossValidationScoresEveryQueryOnce()
    {
        using var files = new TempFiles();
        var prices = PriceTable.Load(files.PricesAB());
        var data = OutcomeReader.Read(files.Write("all.jsonl", Synthetic(120, 0)));

        var report = RouterComparison.CrossValidate(data, new CostEstimator().Costs(data, prices), 3, 1, Small, 0.95);

        Assert.Equal(120, report.Queries);
        Assert.Equal(3, report.Folds);
        Assert.Equal(2.0 / 3, report.Singles.Single(s => s.Model == "a").Accuracy, 12);
        Assert.Throws<OutcomeDataException>(() => RouterComparison.CrossValidate(data, new CostEstimator().Costs(data, prices), 1, 1, Small, 0.95));
    }

    [SkippableFact]
    public void SweBenchAgentsCrossValidatedRouterIsNeverBelowTheBestAgentByMoreThanAPoint()
    {
        Skip.If(RealData.Directory is null, RealData.SkipMessage);
        var prices = PriceTable.Load(RealData.File("agentic/swebench-verified.models.json"));
        var data = OutcomeReader.Read(RealData.File("agentic/swebench-verified.train.jsonl"));

        var report = RouterComparison.CrossValidate(data, new CostEstimator().Costs(data, prices), 3, 1, Small with { Width = 1 << 14 }, 0.95);

        Assert.False(report.CostsEstimated);
        Assert.Equal(344, report.Queries);
        var router = report.Methods.Single(m => m.Kind == RouterKind.Calibrated);
        Assert.True(router.ValidatedBest.Accuracy >= report.BestSingle.Accuracy - 0.01, $"router {router.ValidatedBest.Accuracy} vs best agent {report.BestSingle.Accuracy}");
    }
}
