using System.Globalization;
using Routing.Training.Boundary;
using Routing.Training.Pipeline;
using Routing.Training.Rollouts;
using Routing.Training.Sft;

namespace Routing.Training.Episodes;

/// <summary>What the logged boundary episodes showed about one task, and its SFT demonstration.</summary>
public sealed record LoggedBoundaryTask(
    string Tenant, string Task, int SmallRuns, int LargeRuns, double SmallSuccessRate, double LargeSuccessRate,
    double SmallMeanCostMicros, double LargeMeanCostMicros, DifficultyClass Class, IReadOnlyList<StepSample> Demonstration);

/// <summary>Boundary tasks, class counts and stratified SFT data built from an episode log, with what was left out.</summary>
public sealed record EpisodeLogTrainingData(
    IReadOnlyList<LoggedBoundaryTask> Tasks, int[] ClassCounts, List<StepSample> Samples,
    int Episodes, int Unfinished, int MiddleTierEpisodes, int TasksWithoutBothBoundaries);

/// <summary>
/// Boundary rollouts read from an episode log (docs/training.md, "Training from episode logs"):
/// <list type="bullet">
/// <item>An episode is one (tenant, task id); it counts only once its outcome line is logged.</item>
/// <item>A task is a tenant's task id without a trailing <c>~run</c> label and <c>.N</c> attempt suffix (<c>coding-3-17.2</c> and <c>coding-3-17.2~a1_small</c> are attempt 2 of <c>coding-3-17</c>).</item>
/// <item>The smallest agent is tier 0; the largest is the step's <c>largest_tier</c>, or in logs written before that field the highest tier in the file.</item>
/// <item>An always-small (always-large) boundary episode has at least one step, and every step <c>pinned</c> to a tier-0 (largest-tier) agent.
/// Policy-routed episodes that happened to stay on one agent do not count: the policy's choices depend on how
/// the episode went, so they would bias the success rates. Nor do SFT sweep episodes (<see cref="IsSweepEpisode"/>).</item>
/// </list>
/// </summary>
public static class EpisodeLogBoundary
{
    public static EpisodeLogTrainingData Build(string path, IReadOnlyList<LoggedEpisode> episodes, double threshold, SftConfig sft)
    {
        ArgumentNullException.ThrowIfNull(episodes);
        ArgumentNullException.ThrowIfNull(sft);
        CheckAgents(path, episodes);
        var fileLargest = episodes.SelectMany(e => e.Steps).Select(s => Math.Max(s.Tier, s.LargestTier ?? 0)).DefaultIfEmpty(0).Max();
        int? Action(LoggedStep s) => s.Tier == 0 ? PolicyAction.Small : s.Tier == (s.LargestTier ?? fileLargest) ? PolicyAction.Large : null;

        var finished = episodes.Where(e => e.Outcome is not null && e.Steps.Count > 0).ToList();
        var middle = finished.Count(e => e.Steps.Any(s => Action(s) is null));
        var tasks = new List<LoggedBoundaryTask>();
        var perTask = new List<List<StepSample>>();
        var withoutBoth = 0;
        foreach (var group in finished.Where(e => e.Steps.All(s => Action(s) is not null)).GroupBy(e => (e.Tenant, Task: TaskOf(e.TaskId))))
        {
            var runs = group.ToList();
            var small = runs.Where(e => !IsSweepEpisode(e.TaskId) && e.Steps.All(s => s.Reason == "pinned" && Action(s) == PolicyAction.Small)).ToList();
            var large = runs.Where(e => !IsSweepEpisode(e.TaskId) && e.Steps.All(s => s.Reason == "pinned" && Action(s) == PolicyAction.Large)).ToList();
            if (small.Count == 0 || large.Count == 0)
            {
                withoutBoth++;
                continue;
            }

            var smallRate = small.Count(e => e.Outcome!.Success) / (double)small.Count;
            var largeRate = large.Count(e => e.Outcome!.Success) / (double)large.Count;
            var difficulty = DifficultyTaxonomy.Classify(smallRate, largeRate, threshold);
            var demonstration = difficulty == DifficultyClass.Hard ? HardDemonstration(runs, Action) : small[0];
            var samples = demonstration is null ? [] : demonstration.Steps.Select(s => new StepSample(s.Features, Action(s)!.Value, 0f)).ToList();
            perTask.Add(samples);
            tasks.Add(new LoggedBoundaryTask(group.Key.Tenant, group.Key.Task, small.Count, large.Count, smallRate, largeRate,
                small.Average(e => (double)e.CostMicros), large.Average(e => (double)e.CostMicros), difficulty, samples));
        }

        if (tasks.Count == 0)
        {
            throw new EpisodeLogException(path, null, null,
                $"no task has both an always-smallest and an always-largest boundary episode ({finished.Count} finished episodes); a boundary episode has every step pinned " +
                "(field 'reason' = \"pinned\") to a tier-0 agent or to the largest tier, and an outcome line");
        }

        var counts = new int[3];
        foreach (var t in tasks)
        {
            counts[(int)t.Class]++;
        }

        var data = SftDemonstrations.Stratify(perTask, tasks.Select(t => t.Class).ToList(), sft);
        return new EpisodeLogTrainingData(tasks, counts, data, episodes.Count, episodes.Count(e => e.Outcome is null), middle, withoutBoth);
    }

    /// <summary>The run label of an SFT sweep episode at level <paramref name="level"/> (<c>routing train policy --via-executor</c>).</summary>
    public static string SweepRunLabel(string run, int level) => string.Create(CultureInfo.InvariantCulture, $"{run}{SweepMarker}{level}");

    /// <summary>
    /// Whether a task id is an SFT sweep episode's (run label ending <c>_mix{level}</c>). Its steps are pinned by a mixed
    /// policy, so one that stayed on one agent did so by chance: it is not a boundary run (but may be a demonstration).
    /// </summary>
    public static bool IsSweepEpisode(string taskId)
    {
        ArgumentNullException.ThrowIfNull(taskId);
        var tilde = taskId.LastIndexOf('~');
        var marker = taskId.LastIndexOf(SweepMarker, StringComparison.Ordinal);
        return tilde >= 0 && marker > tilde && marker + SweepMarker.Length < taskId.Length && taskId[(marker + SweepMarker.Length)..].All(char.IsAsciiDigit);
    }

    private const string SweepMarker = "_mix";

    /// <summary>
    /// The task part of a task id: without a trailing <c>~run</c> label (a simulated task id's, as <c>routing train
    /// policy --via-executor</c> writes them) and then without a trailing <c>.N</c> attempt number.
    /// </summary>
    public static string TaskOf(string taskId)
    {
        ArgumentNullException.ThrowIfNull(taskId);
        var tilde = taskId.LastIndexOf('~');
        if (tilde > 0 && tilde < taskId.Length - 1 && taskId[(tilde + 1)..].All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            taskId = taskId[..tilde];
        }
        var dot = taskId.LastIndexOf('.');
        return dot > 0 && dot < taskId.Length - 1 && taskId[(dot + 1)..].All(char.IsAsciiDigit) ? taskId[..dot] : taskId;
    }

    /// <summary>
    /// A hard task's demonstration: the cheapest successful logged episode that used the large agent at least once.
    /// Hard means always-small succeeds less often than the threshold, so an always-small success is luck, and
    /// cloning it would teach "small" on exactly the tasks that need the large model (the in-process sweep's reasoning).
    /// </summary>
    private static LoggedEpisode? HardDemonstration(List<LoggedEpisode> runs, Func<LoggedStep, int?> action) =>
        runs.Where(e => e.Outcome!.Success && e.Steps.Any(s => action(s) == PolicyAction.Large))
            .OrderBy(e => e.CostMicros)
            .FirstOrDefault();

    /// <summary>An agent is known by one tier; a log that gives it two cannot say which action it was.</summary>
    private static void CheckAgents(string path, IReadOnlyList<LoggedEpisode> episodes)
    {
        var tiers = new Dictionary<string, LoggedStep>(StringComparer.Ordinal);
        foreach (var step in episodes.SelectMany(e => e.Steps).OrderBy(s => s.Line))
        {
            if (tiers.TryGetValue(step.Agent, out var first) && first.Tier != step.Tier)
            {
                throw new EpisodeLogException(path, step.Line, "tier",
                    $"agent '{step.Agent}' has tier {step.Tier} here but tier {first.Tier} on line {first.Line}; the trainer cannot tell whether it is the smallest or the largest agent");
            }

            tiers.TryAdd(step.Agent, step);
        }
    }
}
