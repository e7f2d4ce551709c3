using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Grpc.Net.Client;
using Routing.Budget.Ledger;
using Routing.Budget.Options;
using Routing.Cli.Hosting;
using Routing.Cli.Output;
using Routing.ServiceDefaults.Redis;
using Spectre.Console;
using StackExchange.Redis;

namespace Routing.Cli.Bench;

/// <summary>
/// <c>routing bench budget</c>: reserve → commit cycles through the budget service, and in the same run from
/// the same process the same Lua scripts sent straight to Redis; the service/raw ratio is the figure.
/// </summary>
public static class BudgetBenchCommand
{
    public static Command Create()
    {
        var address = new Option<string?>("--address") { Description = "A running budget service (http://host:port). Default: start one in-process." };
        var redis = new Option<string?>("--redis") { Description = "Redis for the raw baseline (and for the in-process service). Default: an embedded Redis-compatible server." };
        var callers = new Option<int>("--callers") { Description = "Concurrent callers.", DefaultValueFactory = _ => 64 };
        var tasks = new Option<int>("--tasks") { Description = "Tasks the callers spread over.", DefaultValueFactory = _ => 256 };
        var seconds = new Option<double>("--seconds") { Description = "Measured seconds per phase.", DefaultValueFactory = _ => 10 };
        var rounds = new Option<int>("--rounds") { Description = "Alternating raw/service rounds; figures are summed over rounds.", DefaultValueFactory = _ => 2 };
        var limit = new Option<long>("--limit-micros") { Description = "Limit of every task; lower it to make limits bind.", DefaultValueFactory = _ => 10_000_000_000 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object as the last line of stdout." };
        var command = new Command("budget", "Budget service reserve→commit throughput and latency versus raw EVALSHA on the same Redis.")
        {
            address, redis, callers, tasks, seconds, rounds, limit, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new BudgetBenchSettings(
                parse.GetValue(address), parse.GetValue(redis), parse.GetValue(callers), parse.GetValue(tasks),
                TimeSpan.FromSeconds(parse.GetValue(seconds)), parse.GetValue(rounds), parse.GetValue(limit));
            var problems = settings.Validate();
            if (problems.Count > 0)
            {
                foreach (var problem in problems)
                {
                    await Console.Error.WriteLineAsync(problem);
                }
                return 2;
            }
            var report = await RunAsync(settings, cancellationToken);
            Print(report);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(report, BenchJsonContext.Default.BudgetBenchReport));
            }
            return report.OverspendMicros == 0 && report.LedgerMismatches == 0 ? 0 : 1;
        });
        return command;
    }

    public static async Task<BudgetBenchReport> RunAsync(BudgetBenchSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        await using var stack = settings.Address is null
            ? await LocalStack.StartAsync(settings.Redis, "127.0.0.1", anyPorts: true, "none", cancellationToken)
            : null;
        var serviceAddress = settings.Address ?? stack!.Budget.GrpcAddress;
        var redisConnection = settings.Redis ?? stack!.RedisConnectionString;

        var channelOptions = new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
        };
        // A stack of its own carries its run's tokens; a service named by --address is called as configured.
        using var channel = stack is null ? GrpcChannel.ForAddress(serviceAddress, channelOptions) : stack.Tokens.OpenChannel(serviceAddress, options: channelOptions);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(
            RedisRegistration.CreateConfiguration(new RedisOptions { ConnectionString = redisConnection }, "routing-bench"));
        var keys = new LedgerKeys(new BudgetOptions().KeyPrefix);
        ILedgerClient service = new GrpcLedgerClient(channel, "bench");
        ILedgerClient raw = new RawScriptLedgerClient(redis, keys, "bench");
        var workload = new ReserveCommitWorkload(settings.Callers, settings.Tasks, settings.LimitMicros, seed: 42);
        var runId = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

        var results = new List<PhaseResult>();
        await StandardErrorProgress.Create().StartAsync(async context =>
        {
            // Warm up both paths (JIT, connections, script cache) before anything is measured.
            var warmup = context.AddTask("warm-up", maxValue: 1);
            var warmupTime = TimeSpan.FromSeconds(Math.Min(2, settings.Duration.TotalSeconds));
            await workload.RunAsync(raw, runId + "-warm", warmupTime / 2);
            await workload.RunAsync(service, runId + "-warm", warmupTime / 2);
            warmup.Value = 1;
            for (var round = 0; round < settings.Rounds; round++)
            {
                foreach (var client in new[] { raw, service })
                {
                    var bar = context.AddTask($"round {round + 1} {client.Name}", maxValue: 1);
                    results.Add(await workload.RunAsync(client, $"{runId}-r{round}", settings.Duration, p => bar.Value = p));
                }
            }
        });

        return BudgetBenchReport.From(settings, results, stack is null ? "external" : stack.RedisIsEmbedded ? "embedded-garnet" : "redis");
    }

    private static void Print(BudgetBenchReport report)
    {
        var table = new Table().AddColumns("path", "cycles/s", "p50 ms", "p99 ms", "refused", "errors");
        foreach (var phase in new[] { report.Raw, report.Service })
        {
            table.AddRow(phase.Path, phase.CyclesPerSecond.ToString("N0", CultureInfo.InvariantCulture),
                phase.P50Ms.ToString("F3", CultureInfo.InvariantCulture), phase.P99Ms.ToString("F3", CultureInfo.InvariantCulture),
                phase.Refused.ToString(CultureInfo.InvariantCulture), phase.Errors.ToString(CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
            "ratio service/raw [bold]{0:F2}[/] · overspend [bold]{1}[/] micros · ledger mismatches {2} · {3} callers, {4} tasks, redis: {5}",
            report.Ratio, report.OverspendMicros, report.LedgerMismatches, report.Callers, report.Tasks, report.Redis);
    }
}

public sealed record BudgetBenchSettings(string? Address, string? Redis, int Callers, int Tasks, TimeSpan Duration, int Rounds, long LimitMicros)
{
    public List<string> Validate()
    {
        var problems = new List<string>();
        if (Callers is < 1 or > 4096)
        {
            problems.Add("--callers must be between 1 and 4096");
        }
        if (Tasks is < 1 or > 1_000_000)
        {
            problems.Add("--tasks must be between 1 and 1000000");
        }
        if (Duration <= TimeSpan.Zero || Duration > TimeSpan.FromHours(1))
        {
            problems.Add("--seconds must be > 0 and ≤ 3600");
        }
        if (Rounds is < 1 or > 100)
        {
            problems.Add("--rounds must be between 1 and 100");
        }
        if (LimitMicros is <= 0 or > 1_000_000_000_000)
        {
            problems.Add("--limit-micros must be > 0 and ≤ 1000000000000");
        }
        if (Address is not null && Redis is null)
        {
            problems.Add("--address needs --redis: the raw baseline must run against the service's own Redis");
        }
        return problems;
    }
}
