using System.Buffers.Binary;
using System.CommandLine;
using System.Text.Json;
using Routing.Cli.Commands;
using Routing.Cli.Outcomes;
using Xunit;

namespace Routing.Cli.Tests;

/// <summary>
/// <c>routing train outcomes</c> / <c>routing eval outcomes</c>: a train → eval round trip on hand-made outcome
/// files writes a router, a plot and a JSON line; every bad input exits 2 without writing a router. The tests
/// capture the process-wide console, so they run alone (no other test class writes to it meanwhile).
/// </summary>
[Collection(nameof(ConsoleCapture))]
public sealed class OutcomesCommandTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("routing-outcomes-cli-");

    public void Dispose() => _directory.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_directory.FullName, name);

    private string Write(string name, string content)
    {
        File.WriteAllText(PathOf(name), content);
        return PathOf(name);
    }

    private string Prices() => Write("prices.json", """
        {"small": {"input_usd_per_mtok": 0.1, "output_usd_per_mtok": 0.4}, "large": {"input_usd_per_mtok": 3, "output_usd_per_mtok": 15}}
        """);

    /// <summary>Lookup queries both models answer, proof queries only the large one; no recorded costs.</summary>
    private string Outcomes(string name, int count, int offset)
    {
        var lines = new List<string>();
        for (var i = offset; i < offset + count; i++)
        {
            var hard = i % 4 == 0;
            var text = hard ? $"prove that the sequence {i} converges" : $"look up the capital of country {i}";
            lines.Add($$$$"""{"id": "q{{{{i}}}}", "text": "{{{{text}}}}", "outcomes": {"small": {"score": {{{{(hard ? 0 : 1)}}}}}, "large": {"score": 1}}}""");
        }

        return Write(name, string.Join("\n", lines));
    }

    private static async Task<(int Exit, string Out, string Error)> Invoke(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var (previousOut, previousError) = (Console.Out, Console.Error);
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            var exit = await new RootCommand { TrainCommand.Create(), EvalCommand.Create() }.Parse(args).InvokeAsync();
            return (exit, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousError);
        }
    }

    [Fact]
    public async Task TrainThenEvalWritesRouterPlotAndJsonAndSaysCostsAreEstimated()
    {
        var train = Outcomes("train.jsonl", 200, 0);
        var test = Outcomes("test.jsonl", 80, 1000);
        var router = PathOf("out/router.json");
        var plot = PathOf("out/curve.png");

        var trained = await Invoke("train", "outcomes", "--train", train, "--models", Prices(), "--out", router, "--epochs", "40", "--hash-width", "256");
        var evaluated = await Invoke("eval", "outcomes", "--model", router, "--test", test, "--plot", plot, "--json");

        Assert.Equal(0, trained.Exit);
        Assert.Equal(0, evaluated.Exit);
        Assert.Contains("ESTIMATED", trained.Out);
        Assert.Contains("ESTIMATED", evaluated.Out);
        Assert.Contains("REAL recorded outcomes", evaluated.Out);
        var bytes = await File.ReadAllBytesAsync(plot);
        Assert.Equal(OutcomesPlot.Width, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
        using var json = JsonDocument.Parse(evaluated.Out.TrimEnd().Split('\n')[^1]);
        var report = json.RootElement.GetProperty("report");
        Assert.Equal(80, report.GetProperty("queries").GetInt32());
        Assert.True(report.GetProperty("costs_estimated").GetBoolean());
        Assert.Equal("large", report.GetProperty("best_single").GetProperty("model").GetString());
        // Sending only the proofs (a quarter) to the large model reaches 100 %: the router must beat the large model's cost.
        Assert.True(report.GetProperty("router_to_target").GetProperty("cost_usd").GetDouble() < report.GetProperty("best_single").GetProperty("cost_usd").GetDouble());
    }

    [Fact]
    public async Task OneShotOnAHeldOutSplitOfOneFileUsesOnlyTheHeldOutQueries()
    {
        var data = Outcomes("all.jsonl", 200, 0);

        var result = await Invoke("eval", "outcomes", "--train", data, "--models", Prices(), "--test", data, "--holdout", "0.25", "--seed", "3", "--epochs", "20", "--hash-width", "64", "--json");

        Assert.Equal(0, result.Exit);
        using var json = JsonDocument.Parse(result.Out.TrimEnd().Split('\n')[^1]);
        var queries = json.RootElement.GetProperty("report").GetProperty("queries").GetInt32();
        Assert.Equal(200, queries + json.RootElement.GetProperty("router").GetProperty("train_records").GetInt32());
        Assert.InRange(queries, 25, 75);
    }

    [Fact]
    public async Task CompareRunsTheRouterAndBothBaselinesSideBySideWithPlotAndJson()
    {
        var data = Outcomes("all.jsonl", 150, 0);
        var plot = PathOf("compare.png");

        var result = await Invoke("eval", "outcomes", "--train", data, "--models", Prices(), "--test", data, "--folds", "3", "--compare", "--epochs", "20", "--hash-width", "512", "--plot", plot, "--json");

        Assert.Equal(0, result.Exit);
        Assert.Contains("calibrated router", result.Out);
        Assert.Contains("kNN over TF-IDF (baseline)", result.Out);
        Assert.Contains("TF-IDF logistic regression (baseline)", result.Out);
        Assert.Contains("chosen WITH knowledge of the test outcomes", result.Out);
        Assert.True(File.Exists(plot));
        using var json = JsonDocument.Parse(result.Out.TrimEnd().Split('\n')[^1]);
        Assert.Equal(150, json.RootElement.GetProperty("report").GetProperty("queries").GetInt32());
        Assert.Equal(3, json.RootElement.GetProperty("report").GetProperty("methods").GetArrayLength());
    }

    [Theory]
    [InlineData("--compare")]
    [InlineData("--folds", "3")]
    public async Task CompareOptionsWithoutTrainingExitTwo(params string[] extra)
    {
        var data = Outcomes("all.jsonl", 40, 0);
        var router = PathOf("router.json");
        await Invoke("train", "outcomes", "--train", data, "--models", Prices(), "--out", router, "--holdout", "0.3", "--epochs", "5", "--hash-width", "32");

        var result = await Invoke(["eval", "outcomes", "--model", router, "--test", data, .. extra]);

        Assert.Equal(2, result.Exit);
    }

    [Fact]
    public async Task EvaluatingOnTheWholeTrainingFileIsRefused()
    {
        var data = Outcomes("all.jsonl", 40, 0);
        var router = PathOf("router.json");
        await Invoke("train", "outcomes", "--train", data, "--models", Prices(), "--out", router, "--epochs", "5", "--hash-width", "32");

        var result = await Invoke("eval", "outcomes", "--model", router, "--test", data);

        Assert.Equal(2, result.Exit);
        Assert.Contains("this is the router's training file", result.Error);
    }

    [Fact]
    public async Task ModelMissingFromThePriceTableExitsTwoNamingIt()
    {
        var data = Write("d.jsonl", """{"id": "q", "text": "t", "outcomes": {"small": {"score": 1}, "mystery-7b": {"score": 0}}}""");

        var result = await Invoke("train", "outcomes", "--train", data, "--models", Prices(), "--out", PathOf("router.json"));

        Assert.Equal(2, result.Exit);
        Assert.Contains("'mystery-7b'", result.Error);
        Assert.False(File.Exists(PathOf("router.json")));
    }

    [Fact]
    public async Task BadLineExitsTwoNamingFileLineAndField()
    {
        var data = Write("d.jsonl", """{"id": "q", "text": "t", "outcomes": {"small": {"score": 1}, "large": {"score": 2}}}""");

        var result = await Invoke("train", "outcomes", "--train", data, "--models", Prices());

        Assert.Equal(2, result.Exit);
        Assert.Contains($"{data}:1: field 'outcomes.large.score'", result.Error);
    }

    [Theory]
    [InlineData("eval", "outcomes", "--test", "t.jsonl")]
    [InlineData("eval", "outcomes", "--test", "t.jsonl", "--model", "r.json", "--train", "t.jsonl")]
    [InlineData("eval", "outcomes", "--test", "t.jsonl", "--train", "t.jsonl")]
    [InlineData("eval", "outcomes", "--test", "t.jsonl", "--model", "r.json", "--holdout", "0.3")]
    [InlineData("eval", "outcomes", "--test", "t.jsonl", "--model", "r.json", "--assumed-output-tokens", "64")]
    [InlineData("eval", "outcomes", "--test", "t.jsonl", "--model", "r.json", "--plot", "curve.jpg")]
    [InlineData("eval", "outcomes", "--test", "t.jsonl", "--model", "r.json", "--target", "1.5")]
    [InlineData("train", "outcomes", "--train", "t.jsonl", "--models", "p.json", "--holdout", "1")]
    [InlineData("train", "outcomes", "--train", "t.jsonl", "--models", "p.json", "--epochs", "0")]
    public async Task BadArgumentsExitTwo(params string[] args)
    {
        var result = await Invoke(args);

        Assert.Equal(2, result.Exit);
        Assert.NotEqual("", result.Error.Trim());
    }

    [Fact]
    public async Task MissingFilesExitTwoNamingThem()
    {
        var missingData = await Invoke("train", "outcomes", "--train", PathOf("absent.jsonl"), "--models", Prices());
        var missingRouter = await Invoke("eval", "outcomes", "--model", PathOf("absent.json"), "--test", Outcomes("t.jsonl", 4, 0));

        Assert.Equal(2, missingData.Exit);
        Assert.Contains("absent.jsonl: outcome file not found", missingData.Error);
        Assert.Equal(2, missingRouter.Exit);
        Assert.Contains("absent.json: router file not found", missingRouter.Error);
    }
}

/// <summary>Test classes that redirect <see cref="Console"/> run outside the parallel test collections.</summary>
[CollectionDefinition(nameof(ConsoleCapture), DisableParallelization = true)]
public sealed class ConsoleCapture;
