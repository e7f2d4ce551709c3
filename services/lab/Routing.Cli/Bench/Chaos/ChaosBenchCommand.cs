using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Routing.Cli.Output;
using Spectre.Console;

namespace Routing.Cli.Bench.Chaos;

/// <summary>
/// <c>routing bench chaos</c>: kill -9 of <c>routing up</c> and of redis-server, alternately, during keyed steps
/// against a slow recording backend; exit 1 when a target is broken (a key unanswered, a repeated model call after
/// an answered call, a concurrent call for one key, a wrong answer, a ledger below its backend calls' cost or
/// above its limit).
/// </summary>
public static class ChaosBenchCommand
{
    public static Command Create()
    {
        var cycles = new Option<int>("--cycles") { Description = "Kills: odd cycles kill routing up, even ones redis-server.", DefaultValueFactory = _ => 10 };
        var tasks = new Option<int>("--tasks") { Description = "Concurrent agents, each stepping its own tasks with keyed steps.", DefaultValueFactory = _ => 8 };
        var steps = new Option<int>("--steps-per-task") { Description = "Keyed steps per task before an agent opens its next task.", DefaultValueFactory = _ => 4 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the moments the kills land at.", DefaultValueFactory = _ => 1 };
        var delay = new Option<int>("--backend-delay-ms") { Description = "How long the recording backend takes to answer a call.", DefaultValueFactory = _ => 400 };
        var attemptTimeout = new Option<int>("--attempt-timeout-ms") { Description = "How long an agent waits for one attempt before it retries the same key (the first attempt may still run).", DefaultValueFactory = _ => 2_000 };
        var redisPort = new Option<int>("--redis-port") { Description = "Port of the redis-server the run starts (0: a free one).", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object as the last line of stdout." };
        var command = new Command("chaos", "kill -9 of routing up and redis-server during keyed steps: answers, repeated model calls, ledgers against backend calls, waits after restarts.")
        {
            cycles, tasks, steps, seed, delay, attemptTimeout, redisPort, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new ChaosSettings(parse.GetValue(cycles), parse.GetValue(tasks), parse.GetValue(steps), parse.GetValue(seed), parse.GetValue(delay), parse.GetValue(redisPort), parse.GetValue(attemptTimeout));
            var problems = settings.Validate();
            if (problems.Count > 0)
            {
                foreach (var problem in problems)
                {
                    await Console.Error.WriteLineAsync(problem);
                }
                return 2;
            }
            ChaosReport? report = null;
            await StandardErrorProgress.Create().StartAsync(async context =>
            {
                var bar = context.AddTask("kill -9 cycles", maxValue: settings.Cycles);
                report = await ChaosBench.RunAsync(settings, (cycle, victim) =>
                {
                    bar.Description = string.Create(CultureInfo.InvariantCulture, $"kill -9 cycles (last: {victim})");
                    bar.Value = cycle;
                }, cancellationToken);
            });
            Print(report!);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(report!, ChaosBenchJsonContext.Default.ChaosReport));
            }
            return report!.TargetsMet ? 0 : 1;
        });
        return command;
    }

    private static void Print(ChaosReport r)
    {
        var inv = CultureInfo.InvariantCulture;
        var table = new Table().AddColumns("check", "value", "target");
        table.AddRow("kills (routing up / redis-server)", $"{r.KillsRoutingUp} / {r.KillsRedis}", "");
        table.AddRow("keys / answered / refused", $"{r.Keys} / {r.Answered} / {r.Refused}", "all answered");
        table.AddRow("model calls (abandoned by a killed caller)", $"{r.ModelCalls} ({r.AbandonedModelCalls})", "");
        table.AddRow("repeated model calls", r.RepeatedModelCalls.ToString(inv), "");
        table.AddRow("repeated model calls after an answered call", r.RepeatedAfterAnsweredCall.ToString(inv), "0");
        table.AddRow("concurrent model calls for one key", r.ConcurrentModelCalls.ToString(inv), "0");
        table.AddRow("wrong answers", r.WrongAnswers.ToString(inv), "0");
        table.AddRow("tasks with ledger below their backend calls' cost", $"{r.TasksBelowBackendCost} of {r.LedgerTasks}", "0");
        table.AddRow("tasks with ledger above their limit", $"{r.TasksAboveLimit} of {r.LedgerTasks}", "0");
        table.AddRow("backend cost / committed µ$ (unknown outcomes)", $"{r.BackendCostMicros:N0} / {r.CommittedMicros:N0} ({r.ReservationsUnknownOutcome})", "committed ≥ cost");
        table.AddRow("longest wait for an answer after a restart (routing up / redis)",
            string.Create(inv, $"{r.LongestWaitAfterRestartMs:N0} ms ({r.LongestWaitAfterRoutingUpRestartMs:N0} / {r.LongestWaitAfterRedisRestartMs:N0})"), "a few seconds");
        table.AddRow("mean routing up restart (kill to READY)", string.Create(inv, $"{r.MeanRoutingUpRestartMs:N0} ms"), "");
        table.AddRow("retried attempts", Markup.Escape(string.Join(", ", r.RetriedStatuses.Select(p => $"{p.Key}: {p.Value}"))), "");
        AnsiConsole.Write(table);
        foreach (var problem in r.Problems)
        {
            AnsiConsole.MarkupLine("[red]{0}[/]", Markup.Escape(problem));
        }
        AnsiConsole.MarkupLine(r.TargetsMet ? "[green]every target met[/]" : "[red]targets broken[/]");
    }
}
