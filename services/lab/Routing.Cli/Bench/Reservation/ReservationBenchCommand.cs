using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Routing.Executor.Options;
using Spectre.Console;

namespace Routing.Cli.Bench.Reservation;

/// <summary>
/// <c>routing bench reservation</c>: every step of the 200 recorded tau-bench airline conversations, reserved as the
/// executor reserves it with the byte bound and with the agent's o200k tokenizer, against its real cost; and the
/// false 402s each would give when the remaining budget is 0.5–2× the real cost of the next step.
/// </summary>
public static class ReservationBenchCommand
{
    public static Command Create()
    {
        var data = new Option<string?>("--data") { Description = $"Folder holding {TauBenchSteps.FileName}. Default: ROUTING_OUTCOME_DATA." };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Output cap reserved for per step (default: the executor's for a client that names none).", DefaultValueFactory = _ => new ExecutorOptions().DefaultMaxTokens };
        var priceIn = new Option<long>("--price-in-micros") { Description = "Agent's input price, µ$ per million tokens (GPT-4o list price).", DefaultValueFactory = _ => 2_500_000 };
        var priceOut = new Option<long>("--price-out-micros") { Description = "Agent's output price, µ$ per million tokens (GPT-4o list price).", DefaultValueFactory = _ => 10_000_000 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object as the last line of stdout." };
        var plot = new Option<string?>("--plot") { Description = "Also write a PNG of the false-402 rate against remaining ÷ real cost (e.g. reservation.png)." };
        var command = new Command("reservation", "Reservations with the byte bound vs the agent's tokenizer on real tau-bench steps: reserved ÷ real cost, overruns and false 402s near the end of a budget.")
        {
            data, maxTokens, priceIn, priceOut, json, plot,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var directory = parse.GetValue(data) ?? Environment.GetEnvironmentVariable("ROUTING_OUTCOME_DATA");
            var settings = new ReservationBenchSettings(directory ?? "", parse.GetValue(maxTokens), parse.GetValue(priceIn), parse.GetValue(priceOut));
            var problems = settings.Validate();
            if (string.IsNullOrWhiteSpace(directory))
            {
                problems.Add($"--data: give the folder holding {TauBenchSteps.FileName} (or set ROUTING_OUTCOME_DATA)");
            }
            else if (!File.Exists(Path.Combine(directory, TauBenchSteps.FileName)))
            {
                problems.Add($"--data: {Path.Combine(directory, TauBenchSteps.FileName)} does not exist");
            }

            var plotPath = parse.GetValue(plot);
            if (plotPath is not null && !plotPath.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"--plot must name a .png file, not '{plotPath}'");
            }

            if (problems.Count > 0)
            {
                foreach (var problem in problems)
                {
                    await Console.Error.WriteLineAsync(problem);
                }

                return 2;
            }

            var report = ReservationBench.Run(settings);
            Print(report);
            if (plotPath is not null)
            {
                ReservationPlot.Save(report, plotPath);
                await Console.Error.WriteLineAsync($"wrote {plotPath}");
            }

            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(report, ReservationBenchJsonContext.Default.ReservationBenchReport));
            }

            // An under-reservation is an overrun the budget service would not have prevented.
            return report.ByteBound.UnderReservations == 0 && report.Tokenizer.UnderReservations == 0 ? 0 : 1;
        });
        return command;
    }

    private static void Print(ReservationBenchReport report)
    {
        var inv = CultureInfo.InvariantCulture;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        console.MarkupLine(inv,
            "[bold]Reservation vs real cost[/] · {0} steps of {1} tau-bench conversations · max_tokens {2} · {3:N0} / {4:N0} µ$ per M tokens in / out · mean real step {5:N0} µ$",
            report.Steps, report.Conversations, report.MaxTokens, report.PriceInMicrosPerMTok, report.PriceOutMicrosPerMTok, report.MeanRealCostMicros);
        var ratios = new Table().AddColumns("input bound", "cost p50", "cost p90", "cost max", "input p50", "input p90", "input max", "under-reserved");
        foreach (var side in new[] { report.ByteBound, report.Tokenizer })
        {
            ratios.AddRow(
                side.Name, Ratio(side.Cost.P50), Ratio(side.Cost.P90), Ratio(side.Cost.Max), Ratio(side.Input.P50), Ratio(side.Input.P90), Ratio(side.Input.Max),
                side.UnderReservations.ToString(inv));
        }

        console.Write(ratios);
        var byteRates = ReservationBenchReport.Rates(report.ByteBound, report.Fitting);
        var tokenRates = ReservationBenchReport.Rates(report.Tokenizer, report.Fitting);
        var false402 = new Table().AddColumns("remaining ÷ real", "steps that fit", "false 402s, byte bound", "false 402s, tokenizer");
        for (var i = 0; i < report.RemainingOverReal.Count; i++)
        {
            // Every tenth of the ratio: the full curve is in --json and --plot.
            if (Math.Abs((report.RemainingOverReal[i] * 10) - Math.Round(report.RemainingOverReal[i] * 10)) > 1e-9)
            {
                continue;
            }

            false402.AddRow(
                report.RemainingOverReal[i].ToString("0.0", inv), report.Fitting[i].ToString(inv),
                string.Create(inv, $"{report.ByteBound.False402s[i]} ({byteRates[i]:P1})"),
                string.Create(inv, $"{report.Tokenizer.False402s[i]} ({tokenRates[i]:P1})"));
        }

        console.Write(false402);
        console.MarkupLine("reserved ÷ real per step; a false 402 refuses a step whose real cost fitted what remained; under-reserved steps would be overruns (must be 0)");

        string Ratio(double value) => value.ToString("0.00", inv) + "×";
    }
}
