using Routing.Outcomes.Data;
using Xunit;

namespace Routing.Outcomes.Tests;

/// <summary>The outcome JSONL reader: valid files parse completely, every bad input names file, line and field.</summary>
public sealed class OutcomeReaderTests
{
    private const string Good = """
        {"id": "q1", "text": "two plus two", "source": "math", "outcomes": {"b": {"score": 1.0, "cost_usd": 0.002, "input_tokens": 10, "output_tokens": 5}, "a": {"score": 0.5}}}

        {"id": "q2", "text": "capital of France", "outcomes": {"a": {"score": 1}, "b": {"score": 0, "cost_usd": null}}}
        """;

    [Fact]
    public void ValidFileParsesEveryFieldWithModelsInOrdinalOrder()
    {
        using var files = new TempFiles();
        var path = files.Write("good.jsonl", Good);

        var dataset = OutcomeReader.Read(path);

        Assert.Equal(["a", "b"], dataset.Models);
        Assert.Equal(2, dataset.Records.Count);
        Assert.Equal(new ModelOutcome(1.0, 0.002, 10, 5), dataset.Records[0].Outcomes[1]);
        Assert.Equal(new ModelOutcome(0.5, null, null, null), dataset.Records[0].Outcomes[0]);
        Assert.Equal("math", dataset.Records[0].Source);
        Assert.Equal("", dataset.Records[1].Source);
        Assert.Equal(3, dataset.Records[1].Line);
        Assert.Equal(64, dataset.Sha256.Length);
    }

    [Theory]
    [InlineData("not json", ":2: not valid JSON")]
    [InlineData("""{"text": "x", "outcomes": {"a": {"score": 1}, "b": {"score": 1}}}""", ":2: field 'id'")]
    [InlineData("""{"id": "q2", "outcomes": {"a": {"score": 1}, "b": {"score": 1}}}""", ":2: field 'text'")]
    [InlineData("""{"id": "q2", "text": "x", "outcomes": [1]}""", ":2: field 'outcomes'")]
    [InlineData("""{"id": "q2", "text": "x", "outcomes": {"a": {"score": 1}, "b": {"cost_usd": 1}}}""", ":2: field 'outcomes.b.score': missing")]
    [InlineData("""{"id": "q2", "text": "x", "outcomes": {"a": {"score": 1.5}, "b": {"score": 1}}}""", ":2: field 'outcomes.a.score': must be in 0..1")]
    [InlineData("""{"id": "q2", "text": "x", "outcomes": {"a": {"score": "1"}, "b": {"score": 1}}}""", ":2: field 'outcomes.a.score': must be a number")]
    [InlineData("""{"id": "q2", "text": "x", "outcomes": {"a": {"score": 1, "cost_usd": -1}, "b": {"score": 1}}}""", ":2: field 'outcomes.a.cost_usd': must be ≥ 0")]
    [InlineData("""{"id": "q2", "text": "x", "outcomes": {"a": {"score": 1, "input_tokens": 2.5}, "b": {"score": 1}}}""", ":2: field 'outcomes.a.input_tokens': must be a whole number")]
    [InlineData("""{"id": "q2", "text": "x", "outcomes": {"a": {"score": 1}}}""", ":2: field 'outcomes': every line must have the same models as the first record (missing b)")]
    [InlineData("""{"id": "q2", "text": "x", "outcomes": {"a": {"score": 1}, "b": {"score": 1}, "c": {"score": 1}}}""", "not on earlier lines: c")]
    [InlineData("""{"id": "q1", "text": "x", "outcomes": {"a": {"score": 1}, "b": {"score": 1}}}""", ":2: field 'id': 'q1' already used on line 1")]
    public void BadLineIsReportedWithFileLineAndField(string secondLine, string expected)
    {
        using var files = new TempFiles();
        var path = files.Write("bad.jsonl", """{"id": "q1", "text": "t", "outcomes": {"a": {"score": 0}, "b": {"score": 1}}}""" + "\n" + secondLine + "\n");

        var error = Assert.Throws<OutcomeDataException>(() => OutcomeReader.Read(path));

        Assert.StartsWith(path, error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void ScoresOutsideTheRangeAreClippedAndCountedOnlyWhenAskedFor()
    {
        using var files = new TempFiles();
        var path = files.Write("metric.jsonl", """{"id": "q", "text": "t", "outcomes": {"a": {"score": -0.03}, "b": {"score": 1.2}}}""");

        var dataset = OutcomeReader.Read(path, clipScores: true);

        Assert.Throws<OutcomeDataException>(() => OutcomeReader.Read(path));
        Assert.Equal(2, dataset.ClippedScores);
        Assert.Equal([0.0, 1.0], dataset.Records[0].Outcomes.Select(o => o.Score));
    }

    [Fact]
    public void MissingFileIsNamed()
    {
        using var files = new TempFiles();
        var path = files.PathOf("absent.jsonl");

        var error = Assert.Throws<OutcomeDataException>(() => OutcomeReader.Read(path));

        Assert.Equal($"{path}: outcome file not found", error.Message);
    }

    [Fact]
    public void EmptyFileIsAnError()
    {
        using var files = new TempFiles();
        var path = files.Write("empty.jsonl", "\n\n");

        var error = Assert.Throws<OutcomeDataException>(() => OutcomeReader.Read(path));

        Assert.Contains("no records", error.Message);
    }

    [Fact]
    public void ModelAbsentFromThePriceTableIsNamed()
    {
        using var files = new TempFiles();
        var data = OutcomeReader.Read(files.Write("d.jsonl", """{"id": "q", "text": "t", "outcomes": {"a": {"score": 0}, "zeta": {"score": 1}}}"""));
        var prices = PriceTable.Load(files.PricesAB());

        var error = Assert.Throws<OutcomeDataException>(() => prices.RequirePriced(data));

        Assert.Contains("'zeta'", error.Message);
        Assert.Contains(prices.Path, error.Message);
        Assert.DoesNotContain("'a'", error.Message);
    }

    [Theory]
    [InlineData("""{"a": {"output_usd_per_mtok": 1}}""", "model 'a': field 'input_usd_per_mtok' is missing")]
    [InlineData("""{"a": {"input_usd_per_mtok": -1, "output_usd_per_mtok": 1}}""", "model 'a': field 'input_usd_per_mtok' must be a number ≥ 0")]
    [InlineData("""{"a": 3}""", "model 'a': expected an object")]
    [InlineData("""[1, 2]""", "expected a JSON object mapping model names to prices")]
    [InlineData("""{}""", "names no models")]
    [InlineData("""{"a": """, "not valid JSON")]
    public void BadPriceTableIsReportedWithTheField(string json, string expected)
    {
        using var files = new TempFiles();
        var path = files.Write("prices.json", json);

        var error = Assert.Throws<OutcomeDataException>(() => PriceTable.Load(path));

        Assert.StartsWith(path, error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void HoldoutSplitIsDisjointCompleteAndIndependentOfLineOrder()
    {
        using var files = new TempFiles();
        var lines = Enumerable.Range(0, 400).Select(i => $$$$"""{"id": "q{{{{i}}}}", "text": "t", "outcomes": {"a": {"score": 0}}}""").ToList();
        var forward = OutcomeReader.Read(files.Write("f.jsonl", string.Join("\n", lines)));
        lines.Reverse();
        var backward = OutcomeReader.Read(files.Write("b.jsonl", string.Join("\n", lines)));

        var (train, test) = HoldoutSplit.Split(forward, 0.25, 7);
        var (_, testBackward) = HoldoutSplit.Split(backward, 0.25, 7);
        var (_, otherSeed) = HoldoutSplit.Split(forward, 0.25, 8);

        Assert.Equal(400, train.Records.Count + test.Records.Count);
        Assert.Empty(train.Records.Select(r => r.Id).Intersect(test.Records.Select(r => r.Id)));
        Assert.Equal(test.Records.Select(r => r.Id).Order(), testBackward.Records.Select(r => r.Id).Order());
        Assert.InRange(test.Records.Count, 70, 130);
        Assert.NotEqual(test.Records.Select(r => r.Id).Order(), otherSeed.Records.Select(r => r.Id).Order());
    }

    [Fact]
    public void HoldoutThatLeavesASplitEmptyIsAnError()
    {
        using var files = new TempFiles();
        var one = OutcomeReader.Read(files.Write("one.jsonl", """{"id": "q", "text": "t", "outcomes": {"a": {"score": 0}}}"""));

        var error = Assert.Throws<OutcomeDataException>(() => HoldoutSplit.Split(one, 0.5, 1));

        Assert.Contains("empty", error.Message);
    }
}
