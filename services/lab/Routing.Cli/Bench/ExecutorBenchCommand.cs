using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Routing.Backends;
using Routing.Cli.Hosting;
using Routing.Cli.Output;
using Routing.Contracts.Executor.V1;
using Routing.Executor;
using Routing.Executor.Tenancy;
using Routing.ServiceDefaults.Options;
using Spectre.Console;
using StackExchange.Redis;

namespace Routing.Cli.Bench;

/// <summary>
/// <c>routing bench executor</c>: steps through the executor (gRPC Step, routed by the policy service, reserved and
/// committed with the budget service, logged) against an instant OpenAI-compatible backend, and in the same run
/// the same backend called directly through the same client stack. The difference is what the executor adds.
/// </summary>
public static class ExecutorBenchCommand
{
    private const string Tenant = "bench";
    private const string ApiKey = "sk-routing-bench";

    public static Command Create()
    {
        var callers = new Option<int>("--callers") { Description = "Concurrent agents, each stepping its own task.", DefaultValueFactory = _ => 16 };
        var seconds = new Option<double>("--seconds") { Description = "Measured seconds per path.", DefaultValueFactory = _ => 5 };
        var warmup = new Option<double>("--warmup") { Description = "Unmeasured seconds per path first, so that tiered JIT compilation has settled.", DefaultValueFactory = _ => 5 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object as the last line of stdout." };
        var command = new Command("executor", "Executor steps/s and added latency per step versus calling the same instant backend directly.")
        {
            callers, seconds, warmup, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var callerCount = parse.GetValue(callers);
            var duration = parse.GetValue(seconds);
            var warmupSeconds = parse.GetValue(warmup);
            if (callerCount is < 1 or > 1024)
            {
                await Console.Error.WriteLineAsync("--callers must be between 1 and 1024");
                return 2;
            }
            if (duration is <= 0 or > 3600)
            {
                await Console.Error.WriteLineAsync("--seconds must be > 0 and ≤ 3600");
                return 2;
            }
            if (warmupSeconds is < 0 or > 600)
            {
                await Console.Error.WriteLineAsync("--warmup must be between 0 and 600");
                return 2;
            }
            var report = await RunAsync(callerCount, TimeSpan.FromSeconds(duration), TimeSpan.FromSeconds(warmupSeconds), cancellationToken);
            Print(report);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(report, ExecutorBenchJsonContext.Default.ExecutorBenchReport));
            }
            return report.OverrunMicros == 0 && report.Executor.Errors == 0 ? 0 : 1;
        });
        return command;
    }

    public static async Task<ExecutorBenchReport> RunAsync(int callers, TimeSpan duration, TimeSpan warmup, CancellationToken cancellationToken)
    {
        await using var backend = await InstantOpenAiServer.StartAsync();
        await using var stack = await LocalStack.StartAsync(null, "127.0.0.1", anyPorts: true, "none", cancellationToken);
        var folder = Directory.CreateTempSubdirectory("routing-bench-executor-");
        try
        {
            var app = await StartExecutorAsync(stack, backend, folder.FullName, cancellationToken);
            await using (app)
            {
                var port = app.Services.GetRequiredService<ServiceEndpointOptions>().GrpcPort;
                using var channel = GrpcChannel.ForAddress(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"),
                    new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true } });
                var client = new ExecutorService.ExecutorServiceClient(channel);
                var auth = new Metadata { { "authorization", $"Bearer {ApiKey}" } };
                var pool = app.Services.GetRequiredService<IAgentPool>();
                var agent = pool.Current.Agents[0];
                var direct = pool.BackendFor(agent);
                var call = new ChatCall { Model = agent.Model, Messages = [new Routing.Backends.ChatMessage("user", "Summarise the change in one word.")], MaxTokens = 16 };
                var run = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
                var tasks = Enumerable.Range(0, callers).Select(i => $"bench-{run}-{i}").ToArray();
                foreach (var task in tasks)
                {
                    await client.OpenTaskAsync(new OpenTaskRequest { TaskId = task, LimitMicros = 1_000_000_000_000, Horizon = 1_000 }, auth, cancellationToken: cancellationToken);
                }
                Task Direct(int caller) => direct.CompleteAsync(call with { TaskId = tasks[caller] }, cancellationToken);
                Task Executor(int caller)
                {
                    var request = new StepRequest { TaskId = tasks[caller], MaxTokens = 16 };
                    request.Messages.Add(new Contracts.Executor.V1.ChatMessage { Role = "user", Content = "Summarise the change in one word." });
                    return client.StepAsync(request, auth, cancellationToken: cancellationToken).ResponseAsync;
                }

                PathRun directRun = default, executorRun = default;
                (double Executor, double Budget) redisPerStep = default;
                await StandardErrorProgress.Create().StartAsync(async context =>
                {
                    // Tiered JIT keeps compiling (and re-compiling with profile data) for seconds on two loaded cores;
                    // a shorter warm-up measures the JIT along with the executor.
                    var warm = context.AddTask("warm-up", maxValue: 1);
                    await DriveAsync(callers, warmup, Direct);
                    await DriveAsync(callers, warmup, Executor);
                    warm.Value = 1;
                    var d = context.AddTask("direct", maxValue: 1);
                    directRun = await DriveAsync(callers, duration, Direct);
                    d.Value = 1;
                    var e = context.AddTask("executor", maxValue: 1);
                    var before = (Executor: RedisOperations(app.Services), Budget: RedisOperations(stack.Budget.App.Services));
                    executorRun = await DriveAsync(callers, duration, Executor);
                    var steps = Math.Max(1, executorRun.SortedMs.Length + executorRun.Errors);
                    redisPerStep = ((RedisOperations(app.Services) - before.Executor) / (double)steps,
                        (RedisOperations(stack.Budget.App.Services) - before.Budget) / (double)steps);
                    e.Value = 1;
                });

                long overrun = 0;
                foreach (var task in tasks)
                {
                    overrun += (await client.GetTaskAsync(new GetTaskRequest { TaskId = task }, auth, cancellationToken: cancellationToken)).OverrunMicros;
                }
                var directSummary = directRun.Summarise("direct");
                var executorSummary = executorRun.Summarise("executor");
                return new ExecutorBenchReport("executor", callers, duration.TotalSeconds, warmup.TotalSeconds, stack.RedisIsEmbedded ? "embedded-garnet" : "redis",
                    directSummary, executorSummary, executorSummary.P50Ms - directSummary.P50Ms, executorSummary.P99Ms - directSummary.P99Ms, overrun,
                    redisPerStep.Executor, redisPerStep.Budget);
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>An executor of its own (the stack's runs the simulator) with two agents on the instant backend.</summary>
    private static async Task<WebApplication> StartExecutorAsync(LocalStack stack, InstantOpenAiServer backend, string folder, CancellationToken cancellationToken)
    {
        var agents = Path.Combine(folder, "agents.json");
        await File.WriteAllTextAsync(agents, $$"""
            {"agents":[
              {"name":"instant-small","endpoint":"{{backend.BaseAddress}}","model":"instant-small","priceInMicrosPerMTok":100000,"priceOutMicrosPerMTok":400000,"tier":0,"maxOutputTokens":1024},
              {"name":"instant-large","endpoint":"{{backend.BaseAddress}}","model":"instant-large","priceInMicrosPerMTok":3000000,"priceOutMicrosPerMTok":15000000,"tier":1,"maxOutputTokens":1024}
            ]}
            """, cancellationToken);
        var tenants = Path.Combine(folder, "tenants.json");
        await File.WriteAllTextAsync(tenants, TenantKeyFile.Write([(Tenant, ApiKey)]), cancellationToken);
        var settings = new Dictionary<string, string?>
        {
            ["Routing:Redis:ConnectionString"] = stack.RedisConnectionString,
            ["Routing:Service:BindAddress"] = "127.0.0.1",
            ["Routing:Service:GrpcPort"] = "0",
            ["Routing:Service:MetricsPort"] = "0",
            ["Routing:Logging:Format"] = "none",
            ["Routing:Executor:BudgetAddress"] = stack.Budget.GrpcAddress,
            ["Routing:Executor:PolicyAddress"] = stack.Policy.GrpcAddress,
            ["Routing:Executor:HttpPort"] = "0",
            ["Routing:Executor:KeyPrefix"] = $"routing:bench-executor:{Guid.NewGuid():N}:",
            ["Routing:AgentPool:File"] = agents,
            ["Routing:Tenants:File"] = tenants,
        };
        foreach (var (key, value) in stack.Tokens.Settings)
        {
            settings[key] = value;
        }
        var app = ExecutorServiceHost.Build([], builder => builder.Configuration.AddInMemoryCollection(settings));
        await app.StartAsync(cancellationToken);
        return app;
    }

    /// <summary>Commands a service's Redis connection has sent so far (its round trips; a script is one).</summary>
    private static long RedisOperations(IServiceProvider services) =>
        services.GetRequiredService<IConnectionMultiplexer>().GetCounters().Interactive.OperationCount;

    private static async Task<PathRun> DriveAsync(int callers, TimeSpan duration, Func<int, Task> step)
    {
        var latencies = new List<double>[callers];
        var errors = new long[callers];
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes();
        var gen0Before = GC.CollectionCount(0);
        var gen2Before = GC.CollectionCount(2);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            var mine = latencies[caller] = new List<double>(4_096);
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await step(caller);
                    mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
                catch (Exception e) when (e is RpcException or BackendException)
                {
                    errors[caller]++;
                }
            }
        })));
        var elapsed = clock.Elapsed;
        process.Refresh();
        var cost = new ProcessCost(process.TotalProcessorTime - cpuBefore, GC.GetTotalAllocatedBytes() - allocatedBefore,
            GC.CollectionCount(0) - gen0Before, GC.CollectionCount(2) - gen2Before);
        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        return new PathRun(all, errors.Sum(), elapsed, cost);
    }

    private static void Print(ExecutorBenchReport report)
    {
        var table = new Table().AddColumns("path", "steps/s", "p50 ms", "p99 ms", "errors", "CPU ms/step", "KB alloc/step", "GC gen0/gen2");
        foreach (var path in new[] { report.Direct, report.Executor })
        {
            table.AddRow(path.Path, path.StepsPerSecond.ToString("N0", CultureInfo.InvariantCulture),
                path.P50Ms.ToString("F3", CultureInfo.InvariantCulture), path.P99Ms.ToString("F3", CultureInfo.InvariantCulture),
                path.Errors.ToString(CultureInfo.InvariantCulture), path.CpuMsPerStep.ToString("F3", CultureInfo.InvariantCulture),
                path.AllocatedKbPerStep.ToString("F1", CultureInfo.InvariantCulture),
                string.Create(CultureInfo.InvariantCulture, $"{path.Gen0Collections}/{path.Gen2Collections}"));
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
            "added by the executor: p50 [bold]{0:F3} ms[/], p99 {1:F3} ms · {2} callers · overrun {3} µ$ · redis: {4} · Redis commands per step: executor {5:F2}, budget {6:F2}",
            report.AddedP50Ms, report.AddedP99Ms, report.Callers, report.OverrunMicros, report.Redis, report.ExecutorRedisOpsPerStep, report.BudgetRedisOpsPerStep);
    }

    /// <summary>What a path cost the whole process (every service, Garnet and the callers share it).</summary>
    private readonly record struct ProcessCost(TimeSpan Cpu, long AllocatedBytes, int Gen0Collections, int Gen2Collections);

    private readonly record struct PathRun(double[] SortedMs, long Errors, TimeSpan Elapsed, ProcessCost Cost)
    {
        public ExecutorPathSummary Summarise(string path)
        {
            var steps = Math.Max(1, SortedMs.Length + Errors);
            return new ExecutorPathSummary(
                path,
                SortedMs.Length / Elapsed.TotalSeconds,
                Percentile(0.50),
                Percentile(0.99),
                SortedMs.Length,
                Errors,
                Cost.Cpu.TotalMilliseconds / steps,
                Cost.AllocatedBytes / 1024.0 / steps,
                Cost.Gen0Collections,
                Cost.Gen2Collections);
        }

        private double Percentile(double q) => SortedMs.Length == 0 ? 0 : SortedMs[Math.Min(SortedMs.Length - 1, (int)(q * SortedMs.Length))];
    }
}
