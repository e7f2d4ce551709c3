using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Routing.Sale.Auction;
using Routing.Simulation.Benchmark;
using Routing.Simulation.Tasks;
using Spectre.Console;

namespace Routing.Cli.Bench.Sale;

/// <summary>Prints the SALE rows of <c>routing bench routing</c> and checks them against the issue's bar.</summary>
public static class SaleBenchOutput
{
    /// <summary>SALE must cost at most this share of the largest agent alone.</summary>
    public const double CostBar = 0.75;

    /// <summary>The auction's share of all tokens must stay below this.</summary>
    public const double AuctionTokenBar = 0.02;

    /// <summary>Whether the full SALE variant meets the bar: pass@1 above the largest agent's at ≤ 75% of its cost, auction tokens &lt; 2%.</summary>
    public static (bool PassAbove, bool CostWithin, bool TokensWithin) Bar(SaleBenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sale = report.Variants.FirstOrDefault(v => v.Name == "sale");
        if (sale is null)
        {
            return (false, false, false);
        }

        return (
            sale.Frontier.Overall.SuccessPct > report.LargestAlone.Overall.SuccessPct,
            sale.Frontier.CostVsAlwaysLarge is <= CostBar,
            sale.AuctionTokenShare < AuctionTokenBar);
    }

    public static void Print(SaleBenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var inv = CultureInfo.InvariantCulture;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (Console.IsOutputRedirected)
        {
            console.Profile.Width = 200;
        }

        console.MarkupLine(inv,
            "[bold]SALE strategy auctions — SIMULATOR figures[/] · {0} held-out tasks per cell (seed {1}), weights fitted per variant on {2} training tasks per cell (seed {3}); costs include the auction",
            report.TasksPerCell, report.Seed, report.TrainTasksPerCell, report.TrainSeed);
        var table = new Table().AddColumns("strategy", "pass@1 %", "µ$/task", "vs largest", "largest wins", "auction tok %");
        for (var b = 0; b < TaskSpace.BinCount; b++)
        {
            table.AddColumn(new TableColumn(Markup.Escape(TaskSpace.BinLabel(b))).RightAligned());
        }

        table.AddColumns("search %", "coding %");
        AddRow(table, report.LargestAlone, "100%", "–");
        AddRow(table, report.Oracle, "–", "–");
        foreach (var v in report.Variants)
        {
            AddRow(table, v.Frontier, v.LargestWinShare.ToString("P0", inv), (100 * v.AuctionTokenShare).ToString("F2", inv));
        }

        console.Write(table);

        var detail = new Table().AddColumns("variant", "wins per agent", "refined wins", "refined rounds / jury skipped", "fallbacks", "votes counted / excluded", "smaller agents' win share by quintile of the task stream", "fit (MILP)");
        foreach (var v in report.Variants)
        {
            detail.AddRow(
                Markup.Escape(v.Name),
                Markup.Escape(string.Join(" ", v.Wins.Select(w => $"{w.Key}:{w.Value}"))),
                v.RefinedWins.ToString(inv),
                $"{v.RefinedRounds} / {v.RefinedJuriesSkipped}",
                v.Fallbacks.ToString(inv),
                $"{v.VotesCounted} / {v.VotesExcluded}",
                string.Join(" → ", v.SmallerWinShareByQuintile.Select(s => s.ToString("P0", inv))),
                Markup.Escape(string.Create(inv, $"{v.Fit.Status} obj {v.Fit.Objective:0.###}, solver picked {v.Fit.SolverPicked}, cheapest solver {v.Fit.CheapestSolverPicked}, of {v.Fit.TasksWithSolver} solvable, w_c {v.Fit.CostWeight:0.###} w_h {v.Fit.EntropyWeight:0.###} w_j {string.Join("/", v.Fit.JurorWeights.Values.Select(w => w.ToString("0.###", inv)))}")));
        }

        console.Write(detail);
        console.Write(PhaseTable(report));
        var (pass, cost, tokens) = Bar(report);
        console.MarkupLine(inv,
            "bar (issue 7): pass@1 above {0} alone: [bold]{1}[/] · cost ≤ 75% of it: [bold]{2}[/] · auction tokens < 2%: [bold]{3}[/] — simulator figures",
            Markup.Escape(report.LargestAgent), pass ? "yes" : "NO", cost ? "yes" : "NO", tokens ? "yes" : "NO");
    }

    /// <summary>
    /// Where the auction's tokens go, per variant and phase: calls, prompt and completion tokens, and each as a share
    /// of all tokens (auctions plus episodes, whose input re-sends the growing history every step).
    /// </summary>
    private static Table PhaseTable(SaleBenchReport report)
    {
        var inv = CultureInfo.InvariantCulture;
        var table = new Table().AddColumns("variant", "phase", "calls", "prompt tok", "completion tok", "prompt % of all", "completion % of all", "tok/auction");
        foreach (var v in report.Variants)
        {
            var auctions = Math.Max(1, v.Frontier.Overall.Episodes);
            foreach (var (phase, o) in Phases(v.AuctionPhases))
            {
                table.AddRow(
                    Markup.Escape(v.Name),
                    phase,
                    o.Calls.ToString("N0", inv),
                    o.PromptTokens.ToString("N0", inv),
                    o.CompletionTokens.ToString("N0", inv),
                    (100 * v.ShareOfAll(o.PromptTokens)).ToString("F2", inv),
                    (100 * v.ShareOfAll(o.CompletionTokens)).ToString("F2", inv),
                    ((double)o.Tokens / auctions).ToString("N0", inv));
            }

            table.AddRow(
                Markup.Escape(v.Name),
                "episodes",
                "",
                v.EpisodeInputTokens.ToString("N0", inv),
                v.EpisodeOutputTokens.ToString("N0", inv),
                (100 * v.ShareOfAll(v.EpisodeInputTokens)).ToString("F2", inv),
                (100 * v.ShareOfAll(v.EpisodeOutputTokens)).ToString("F2", inv),
                ((double)(v.EpisodeInputTokens + v.EpisodeOutputTokens) / auctions).ToString("N0", inv));
        }

        return table.Title("auction tokens by phase (simulator figures; episodes' prompt = every step's whole history)");
    }

    private static IEnumerable<(string Phase, AuctionOverhead Overhead)> Phases(AuctionPhaseOverhead p) =>
    [
        ("bids", p.Bid), ("jury", p.Jury), ("refined bids", p.Refine), ("jury on refined", p.RefineJury), ("auction total", p.Total),
    ];

    public static string ToJson(SaleBenchReport report) => JsonSerializer.Serialize(report, SaleBenchJsonContext.Default.SaleBenchReport);

    private static void AddRow(Table table, StrategyFrontier s, string largestWins, string auctionTokens)
    {
        var inv = CultureInfo.InvariantCulture;
        var row = new List<string>
        {
            Markup.Escape(s.Name),
            s.Overall.SuccessPct.ToString("F1", inv),
            s.Overall.MeanCostMicros.ToString("N0", inv),
            s.CostVsAlwaysLarge is { } r ? r.ToString("F2", inv) : "–",
            largestWins,
            auctionTokens,
        };
        row.AddRange(s.Bins.Select(b => b.Figures.SuccessPct.ToString("F1", inv)));
        row.AddRange(s.Domains.Select(d => d.Figures.SuccessPct.ToString("F1", inv)));
        table.AddRow([.. row]);
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(SaleBenchReport))]
public sealed partial class SaleBenchJsonContext : JsonSerializerContext;
