using System.Globalization;
using Routing.Training.Boundary;
using Routing.Training.Episodes;
using Routing.Training.Pipeline;
using Routing.Training.Rollouts;
using Xunit;

namespace Routing.Training.Tests;

/// <summary>Reading an exported episode log: grouping, boundary episodes, taxonomy, demonstrations, and every bad input.</summary>
public sealed class EpisodeLogTests
{
    private static readonly string Zeros = "[" + string.Join(',', Enumerable.Repeat("0", 152)) + "]";

    [Fact]
    public void BoundaryEpisodesGiveTheTaxonomyCostsAndDemonstrations()
    {
        var lines = new List<string>();
        // "easy": always-small succeeds on both attempts, always-large on its one.
        lines.AddRange(Episode("easy.0", "small", 0, "pinned", steps: 4, success: true, cost: 100));
        lines.AddRange(Episode("easy.1", "small", 0, "pinned", steps: 3, success: true, cost: 140));
        lines.AddRange(Episode("easy.2", "large", 2, "pinned", steps: 1, success: true, cost: 900));
        // "hard": always-small fails, always-large succeeds; a cheaper policy-routed success that used the large agent is the demonstration.
        lines.AddRange(Episode("hard.0", "small", 0, "pinned", steps: 4, success: false, cost: 200));
        lines.AddRange(Episode("hard.1", "large", 2, "pinned", steps: 2, success: true, cost: 1_000));
        lines.AddRange(Episode("hard.2", "small", 0, "policy", steps: 3, success: true, cost: 50));
        lines.Add(Step("hard.3", 0, "small", 0, "policy"));
        lines.Add(Step("hard.3", 1, "large", 2, "policy"));
        lines.Add(Outcome("hard.3", success: true, spent: 600));
        // Left out: an episode on a middle agent, one without an outcome, a task with only always-small.
        lines.AddRange(Episode("hard.4", "medium", 1, "pinned", steps: 1, success: true, cost: 300));
        lines.Add(Step("hard.5", 0, "small", 0, "pinned"));
        lines.AddRange(Episode("lonely", "small", 0, "pinned", steps: 1, success: true, cost: 10));
        var path = Write(lines);
        try
        {
            var data = EpisodeLogBoundary.Build(path, EpisodeLogReader.Read(path), 0.5, TrainingConfig.Tiny(1).Sft);

            Assert.Equal(["easy", "hard"], data.Tasks.Select(t => t.Task));
            var easy = data.Tasks[0];
            Assert.Equal((2, 1, 1.0, 1.0, 120.0, 900.0, DifficultyClass.Easy), (easy.SmallRuns, easy.LargeRuns, easy.SmallSuccessRate, easy.LargeSuccessRate, easy.SmallMeanCostMicros, easy.LargeMeanCostMicros, easy.Class));
            Assert.Equal(Enumerable.Repeat(PolicyAction.Small, 4), easy.Demonstration.Select(s => s.Action));
            var hard = data.Tasks[1];
            Assert.Equal((1, 1, DifficultyClass.Hard), (hard.SmallRuns, hard.LargeRuns, hard.Class));
            Assert.Equal([PolicyAction.Small, PolicyAction.Large], hard.Demonstration.Select(s => s.Action));
            Assert.Equal([1, 1, 0], data.ClassCounts);
            Assert.Equal(6, data.Samples.Count);
            Assert.Equal((1, 1, 1), (data.Unfinished, data.MiddleTierEpisodes, data.TasksWithoutBothBoundaries));
            // Stratified: each present class carries half of the loss, so easy's 4 steps weigh 0.75 each and hard's 2 steps 1.5.
            Assert.Equal([0.75f, 0.75f, 0.75f, 0.75f, 1.5f, 1.5f], data.Samples.Select(s => (float)Math.Round(s.Weight, 4)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LogsWithoutLargestTierTakeTheHighestTierInTheFile()
    {
        var lines = new List<string>();
        lines.AddRange(Episode("t.0", "small", 0, "pinned", steps: 1, success: false, cost: 10, largestTier: null));
        lines.AddRange(Episode("t.1", "large", 3, "pinned", steps: 1, success: true, cost: 90, largestTier: null));
        var path = Write(lines);
        try
        {
            var data = EpisodeLogBoundary.Build(path, EpisodeLogReader.Read(path), 0.5, TrainingConfig.Tiny(1).Sft);
            Assert.Equal(DifficultyClass.Hard, Assert.Single(data.Tasks).Class);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("coding-3-17.2", "coding-3-17")]
    [InlineData("coding-3-17", "coding-3-17")]
    [InlineData("v1.2.x", "v1.2.x")]
    [InlineData("task.", "task.")]
    [InlineData("coding-3-17.2~0a1b2c3d_small", "coding-3-17")]
    [InlineData("search-0-4~r1", "search-0-4")]
    [InlineData("task~", "task~")]
    [InlineData("a~B", "a~B")]
    public void TheAttemptSuffixIsNotPartOfTheTask(string taskId, string task) => Assert.Equal(task, EpisodeLogBoundary.TaskOf(taskId));

    [Theory]
    [InlineData("coding-3-17.2~0a1b2c3d_mix3", true)]
    [InlineData("coding-3-17~r_mix10", true)]
    [InlineData("coding-3-17.2~0a1b2c3d_small", false)]
    [InlineData("coding-3-17_mix3", false)]
    [InlineData("coding-3-17~r_mix", false)]
    [InlineData("coding-3-17~r_mixa", false)]
    public void SweepEpisodesAreKnownByTheirRunLabel(string taskId, bool sweep) => Assert.Equal(sweep, EpisodeLogBoundary.IsSweepEpisode(taskId));

    [Fact]
    public void ASweepEpisodeThatStayedOnOneAgentIsNoBoundaryRun()
    {
        var lines = new List<string>();
        lines.AddRange(Episode("t.0~r_small", "small", 0, "pinned", steps: 2, success: false, cost: 100));
        lines.AddRange(Episode("t.0~r_large", "large", 2, "pinned", steps: 2, success: true, cost: 900));
        lines.AddRange(Episode(EpisodeLogBoundary.SweepRunLabel("t.1~r", 1), "small", 0, "pinned", steps: 2, success: true, cost: 100));
        var path = Write(lines);
        try
        {
            var task = Assert.Single(EpisodeLogBoundary.Build(path, EpisodeLogReader.Read(path), 0.5, TrainingConfig.Tiny(1).Sft).Tasks);

            Assert.Equal(("t", 1, 1, DifficultyClass.Hard), (task.Task, task.SmallRuns, task.LargeRuns, task.Class));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("not json", 1, null)]
    [InlineData("[1,2]", 1, null)]
    [InlineData("{\"kind\":\"step\",\"tenant\":\"t\"}", 1, "task_id")]
    [InlineData("{\"kind\":\"snapshot\",\"tenant\":\"t\",\"task_id\":\"a\"}", 1, "kind")]
    [InlineData("{\"kind\":\"outcome\",\"tenant\":\"t\",\"task_id\":\"a\"}", 1, "success")]
    [InlineData("{\"kind\":\"outcome\",\"tenant\":\"t\",\"task_id\":\"a\",\"success\":true,\"spent_micros\":\"x\"}", 1, "spent_micros")]
    public void ABadLineIsNamedByLineAndField(string line, int expectedLine, string? field) =>
        AssertProblem([line], expectedLine, field);

    [Fact]
    public void AWrongFeatureSchemaVersionIsRefused() =>
        AssertProblem([Step("a", 0, "small", 0, "pinned").Replace("\"feature_schema_version\":1", "\"feature_schema_version\":2", StringComparison.Ordinal)], 1, "feature_schema_version");

    [Fact]
    public void FeaturesOfTheWrongWidthAreRefused() =>
        AssertProblem([Step("a", 0, "small", 0, "pinned").Replace(Zeros, "[0,1]", StringComparison.Ordinal)], 1, "features");

    [Fact]
    public void AStepWithoutAnAgentIsRefused() =>
        AssertProblem([Step("a", 0, "small", 0, "pinned").Replace("\"agent\":\"small\",", "", StringComparison.Ordinal)], 1, "agent");

    [Fact]
    public void AnAgentWithTwoTiersIsRefused() =>
        AssertProblem([Step("a", 0, "small", 0, "pinned"), Step("a", 1, "small", 2, "pinned")], 2, "tier");

    [Fact]
    public void AStepLoggedTwiceIsRefused() =>
        AssertProblem([Step("a", 0, "small", 0, "pinned"), Step("a", 0, "small", 0, "pinned")], 2, "step");

    [Fact]
    public void ASecondOutcomeIsRefused() =>
        AssertProblem([Outcome("a", true, 1), Outcome("a", true, 1)], 2, "task_id");

    [Fact]
    public void ALogWithoutBoundaryEpisodesIsRefused()
    {
        var lines = Episode("a.0", "small", 0, "policy", steps: 2, success: true, cost: 10).Concat(Episode("a.1", "large", 1, "policy", steps: 1, success: true, cost: 50));
        var problem = AssertProblem([.. lines], null, null);
        Assert.Contains("no task has both", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingFileIsNamed()
    {
        var path = Path.Combine(Path.GetTempPath(), $"routing-missing-{Guid.NewGuid():N}.jsonl");
        var problem = Assert.Throws<EpisodeLogException>(() => EpisodeLogReader.Read(path));
        Assert.StartsWith(path + ": no such file", problem.Message, StringComparison.Ordinal);
    }

    private static EpisodeLogException AssertProblem(string[] lines, int? line, string? field)
    {
        var path = Write(lines);
        try
        {
            var problem = Assert.Throws<EpisodeLogException>(() => EpisodeLogBoundary.Build(path, EpisodeLogReader.Read(path), 0.5, TrainingConfig.Tiny(1).Sft));
            Assert.Equal((line, field), (problem.Line, problem.Field));
            Assert.StartsWith(line is null ? path + ": " : $"{path}:{line}: ", problem.Message, StringComparison.Ordinal);
            if (field is not null)
            {
                Assert.Contains($"field '{field}'", problem.Message, StringComparison.Ordinal);
            }

            return problem;
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string Write(IEnumerable<string> lines)
    {
        var path = Path.Combine(Path.GetTempPath(), $"routing-episodes-{Guid.NewGuid():N}.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    private static IEnumerable<string> Episode(string taskId, string agent, int tier, string reason, int steps, bool success, long cost, int? largestTier = 2)
    {
        for (var i = 0; i < steps; i++)
        {
            yield return Step(taskId, i, agent, tier, reason, largestTier);
        }

        yield return Outcome(taskId, success, cost);
    }

    private static string Step(string taskId, int step, string agent, int tier, string reason, int? largestTier = 2) => string.Create(CultureInfo.InvariantCulture,
        $"{{\"kind\":\"step\",\"tenant\":\"acme\",\"task_id\":\"{taskId}\",\"timestamp_ms\":1,\"step\":{step},\"feature_schema_version\":1,\"features\":{Zeros},\"agent\":\"{agent}\",\"model\":\"m\",\"tier\":{tier}{(largestTier is { } l ? $",\"largest_tier\":{l}" : "")},\"reason\":\"{reason}\",\"cost_micros\":5,\"result\":\"ok\"}}");

    private static string Outcome(string taskId, bool success, long spent) => string.Create(CultureInfo.InvariantCulture,
        $"{{\"kind\":\"outcome\",\"tenant\":\"acme\",\"task_id\":\"{taskId}\",\"timestamp_ms\":2,\"success\":{(success ? "true" : "false")},\"limit_micros\":1000000,\"spent_micros\":{spent},\"steps\":1}}");
}
