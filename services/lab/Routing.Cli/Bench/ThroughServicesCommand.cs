using System.Globalization;
using Routing.Cli.Output;
using Spectre.Console;

namespace Routing.Cli.Bench;

/// <summary>
/// <c>routing bench routing --through-services</c>: validates, runs <see cref="ThroughServicesBench"/> with a progress
/// bar, prints both sides per domain and bin next to each other, and exits 1 when any figure differs.
/// </summary>
public static class ThroughServicesCommand
{
    public static async Task<int> RunAsync(ThroughServicesSettings settings, string pool, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var problems = Validate(settings, pool);
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                await Console.Error.WriteLineAsync(problem);
            }
            return 2;
        }

        ThroughServicesReport? report = null;
        await StandardErrorProgress.Create().StartAsync(async context =>
        {
            var bar = context.AddTask("episodes through the executor (RunTask)", maxValue: 1);
            report = await ThroughServicesBench.RunAsync(settings, (done, all) => bar.Value = (double)done / all, cancellationToken);
            bar.Value = 1;
        });
        Print(report!);
        return report!.Same ? 0 : 1;
    }

    public static List<string> Validate(ThroughServicesSettings settings, string pool)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var problems = settings.Frontier.Validate();
        if (pool != Simulation.Agents.AgentPool.StepPairName)
        {
            problems.Add("--through-services needs --pool step: the served policy routes between the step pair's small and large model");
        }
        if (settings.Concurrency is < 1 or > 256)
        {
            problems.Add("--concurrency must be between 1 and 256");
        }
        return problems;
    }

    private static void Print(ThroughServicesReport report)
    {
        var inv = CultureInfo.InvariantCulture;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (Console.IsOutputRedirected)
        {
            console.Profile.Width = 160;
        }
        var s = report.Settings;
        console.MarkupLine(inv,
            "[bold]Routing through the services — SIMULATOR figures[/] · strategy [bold]{0}[/] · {1} held-out tasks per cell, seed {2} · limit {3} µ$ per task · large-call cap {4}",
            Markup.Escape(report.Strategy), s.TasksPerCell, s.Seed, s.LimitMicros.ToString("N0", inv), s.LargeCallCap?.ToString(inv) ?? "none");
        var table = new Table().AddColumns("domain", "bin", "success % in-proc", "success % services", "µ$/task in-proc", "µ$/task services", "large in-proc", "large services", "same");
        var cells = report.InProcess.Domains.Zip(report.Services.Domains)
            .Concat(report.InProcess.Cells.Zip(report.Services.Cells));
        foreach (var (a, b) in cells)
        {
            table.AddRow(
                a.Domain, a.BinLabel,
                a.Figures.SuccessPct.ToString("F1", inv), b.Figures.SuccessPct.ToString("F1", inv),
                a.Figures.MeanCostMicros.ToString("N0", inv), b.Figures.MeanCostMicros.ToString("N0", inv),
                a.Figures.LargeShare.ToString("P1", inv), b.Figures.LargeShare.ToString("P1", inv),
                a.Figures == b.Figures ? "yes" : "[red]NO[/]");
        }
        console.Write(table);
        console.MarkupLine(inv, "{0} episodes, {1} differ · largest P(large) gap on a shared step {2:E1} (tolerance {3:E0}) · {4} steps through the executor in {5:F1} s = {6:F0} steps/s · policy fallbacks {7}",
            report.Services.Overall.Episodes, report.DifferingEpisodes, report.MaxProbabilityGap, ThroughServicesReport.ProbabilityTolerance,
            report.ServiceSteps, report.ServiceSeconds, report.StepsPerSecond, report.PolicyFallbacks);
        if (report.DifferingFeatures.Count > 0)
        {
            console.MarkupLine("  [red]features the executor extracted differently[/] (episode log vs in-process bridge): " + Markup.Escape(string.Join(", ", report.DifferingFeatures)));
        }
        foreach (var example in report.Examples)
        {
            console.MarkupLine("  [red]differs[/] " + Markup.Escape(example));
        }
        foreach (var p in report.Pinned ?? [])
        {
            var (a, b) = (p.InProcess.Overall, p.Services.Overall);
            console.MarkupLine(inv, "pinned {0} (RunTask agent): {1} episodes, {2} differ · success {3:F1} % in-process, {4:F1} % services · {5:N0} / {6:N0} µ$/task {7}",
                p.Strategy, b.Episodes, p.DifferingEpisodes, a.SuccessPct, b.SuccessPct, a.MeanCostMicros, b.MeanCostMicros, p.Same ? "[green]same[/]" : "[red]DIFFER[/]");
        }
        if (report.Pinned is null)
        {
            console.MarkupLine("pinned always-small/always-large not compared: under a limit or cap the executor refuses a pinned step that does not fit, where the in-process baselines fall back to a cheaper agent");
        }
        console.MarkupLine(report.Same ? "[green]same results in-process and through the services[/]" : "[red]results differ[/]");
    }
}
