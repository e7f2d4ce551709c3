using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML.OnnxRuntime;
using Routing.Cli.Output;
using Routing.Contracts.Policy.V1;
using Routing.Features;
using Routing.Onnx;
using Routing.Policy;
using Routing.Policy.DefaultModel;
using Routing.Policy.Inference;
using Routing.ServiceDefaults.Hosting;
using Routing.ServiceDefaults.Options;
using Spectre.Console;

namespace Routing.Cli.Bench;

/// <summary>
/// <c>routing bench policy</c>: in one run on one machine, a bare gRPC echo with the policy's messages (the
/// limit), the policy service with batching and with batching disabled, at several caller counts; then raw
/// ONNX Runtime rows/s by batch size. The figures that matter are the ratios to echo.
/// </summary>
public static class PolicyBenchCommand
{
    public static Command Create()
    {
        var callers = new Option<string>("--callers") { Description = "Comma-separated concurrent caller counts.", DefaultValueFactory = _ => "1,16,64,256" };
        var seconds = new Option<double>("--seconds") { Description = "Measured seconds per target, caller count and round.", DefaultValueFactory = _ => 2 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds per caller count; each round starts with a different target, figures are pooled over rounds.", DefaultValueFactory = _ => 3 };
        var ortSeconds = new Option<double>("--ort-seconds") { Description = "Measured seconds per ORT batch size.", DefaultValueFactory = _ => 0.3 };
        var ortMaxBatch = new Option<int>("--ort-max-batch") { Description = "Largest ORT batch size (powers of two from 1).", DefaultValueFactory = _ => 512 };
        var provider = new Option<string>("--execution-provider") { Description = "Cpu or Cuda, for the service and the ORT figures.", DefaultValueFactory = _ => "Cpu" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object as the last line of stdout." };
        var command = new Command("policy", "Policy service throughput and latency versus a bare gRPC echo, batching on and off; ORT rows/s by batch size.")
        {
            callers, seconds, rounds, ortSeconds, ortMaxBatch, provider, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var counts = new List<int>();
            foreach (var part in parse.GetValue(callers)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > 4096)
                {
                    await Console.Error.WriteLineAsync($"--callers: '{part}' is not a count between 1 and 4096");
                    return 2;
                }
                counts.Add(n);
            }
            var settings = new PolicyBenchSettings(counts, TimeSpan.FromSeconds(parse.GetValue(seconds)), parse.GetValue(rounds), TimeSpan.FromSeconds(parse.GetValue(ortSeconds)),
                parse.GetValue(ortMaxBatch), parse.GetValue(provider)!);
            var problems = settings.Validate();
            if (problems.Count > 0)
            {
                foreach (var problem in problems)
                {
                    await Console.Error.WriteLineAsync(problem);
                }
                return 2;
            }
            PolicyBenchReport report;
            try
            {
                report = await RunAsync(settings, cancellationToken);
            }
            catch (ExecutionProviderUnavailableException exception)
            {
                await Console.Error.WriteLineAsync(exception.Message);
                return 2;
            }
            Print(report);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(report, PolicyBenchJsonContext.Default.PolicyBenchReport));
            }
            return report.Phases.Any(p => p.Errors > 0) ? 1 : 0;
        });
        return command;
    }

    public static async Task<PolicyBenchReport> RunAsync(PolicyBenchSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var requests = Enumerable.Range(0, 1024).Select(PolicyBenchEcho.SampleRequest).ToArray();
        var phases = new List<PolicyPhase>();
        string executionProvider;
        await using (var echo = await PolicyBenchEcho.StartAsync(cancellationToken))
        await using (var batched = await StartPolicyAsync(settings, batching: true, cancellationToken))
        await using (var unbatched = await StartPolicyAsync(settings, batching: false, cancellationToken))
        {
            using var echoChannel = Channel(echo.Address);
            using var batchedChannel = Channel(batched.Address);
            using var unbatchedChannel = Channel(unbatched.Address);
            var echoClient = new PolicyEcho.PolicyEchoClient(echoChannel);
            var batchedClient = new PolicyService.PolicyServiceClient(batchedChannel);
            var unbatchedClient = new PolicyService.PolicyServiceClient(unbatchedChannel);
            var info = await batchedClient.GetPolicyInfoAsync(new GetPolicyInfoRequest(), cancellationToken: cancellationToken);
            executionProvider = info.Versions[0].ExecutionProvider;
            var targets = new (string Name, Func<RouteRequest, AsyncUnaryCall<RouteResponse>> Call)[]
            {
                ("echo", r => echoClient.EchoAsync(r)),
                ("policy-batched", r => batchedClient.RouteAsync(r)),
                ("policy-unbatched", r => unbatchedClient.RouteAsync(r)),
            };
            await StandardErrorProgress.Create().StartAsync(async context =>
            {
                var warmup = context.AddTask("warm-up", maxValue: targets.Length);
                foreach (var (_, call) in targets)
                {
                    await RunPhaseAsync(call, requests, 16, TimeSpan.FromSeconds(Math.Min(1, settings.Duration.TotalSeconds)), cancellationToken);
                    warmup.Increment(1);
                }
                foreach (var count in settings.Callers)
                {
                    // Each round starts with another target, so order effects and slow drift of a shared
                    // machine hit every target alike; requests and latencies are pooled over the rounds.
                    var done = new long[targets.Length];
                    var errors = new long[targets.Length];
                    var elapsed = new TimeSpan[targets.Length];
                    var latencies = new List<long>[targets.Length];
                    for (var t = 0; t < targets.Length; t++)
                    {
                        latencies[t] = [];
                    }
                    var bar = context.AddTask($"{count} callers", maxValue: settings.Rounds * targets.Length);
                    for (var round = 0; round < settings.Rounds; round++)
                    {
                        for (var k = 0; k < targets.Length; k++)
                        {
                            var t = (round + k) % targets.Length;
                            var phase = await RunPhaseAsync(targets[t].Call, requests, count, settings.Duration, cancellationToken);
                            done[t] += phase.Done;
                            errors[t] += phase.Errors;
                            elapsed[t] += phase.Elapsed;
                            latencies[t].AddRange(phase.Latencies);
                            bar.Increment(1);
                        }
                    }
                    for (var t = 0; t < targets.Length; t++)
                    {
                        var sorted = latencies[t].ToArray();
                        Array.Sort(sorted);
                        phases.Add(new PolicyPhase(targets[t].Name, count, done[t] / elapsed[t].TotalSeconds, Percentile(sorted, 0.50), Percentile(sorted, 0.99), done[t], errors[t]));
                    }
                }
            });
        }
        var ort = MeasureOrt(settings);
        var echo64 = phases.FirstOrDefault(p => p.Target == "echo" && p.Callers == 64);
        var policy64 = phases.FirstOrDefault(p => p.Target == "policy-batched" && p.Callers == 64);
        return new PolicyBenchReport("policy", settings.Duration.TotalSeconds, settings.Rounds, Environment.ProcessorCount, executionProvider, phases, ort,
            echo64 is null || policy64 is null || echo64.RequestsPerSecond == 0 ? 0 : policy64.RequestsPerSecond / echo64.RequestsPerSecond,
            echo64 is null || policy64 is null || echo64.P99Micros == 0 ? 0 : policy64.P99Micros / echo64.P99Micros);
    }

    private static async Task<PolicyInstance> StartPolicyAsync(PolicyBenchSettings settings, bool batching, CancellationToken cancellationToken)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Routing:Service:BindAddress"] = "127.0.0.1",
            ["Routing:Service:GrpcPort"] = "0",
            ["Routing:Service:MetricsPort"] = "0",
            [LoggingSetup.FormatKey] = "none",
            ["Routing:Policy:Batching:Enabled"] = batching ? "true" : "false",
            ["Routing:Policy:ExecutionProvider"] = settings.ExecutionProvider,
        };
        var app = PolicyServiceHost.Build([], builder => builder.Configuration.AddInMemoryCollection(configuration));
        await app.StartAsync(cancellationToken);
        var endpoint = app.Services.GetRequiredService<ServiceEndpointOptions>();
        return new PolicyInstance(app, string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{endpoint.GrpcPort}"));
    }

    private static GrpcChannel Channel(string address) => GrpcChannel.ForAddress(address, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
    });

    private static async Task<(long Done, long Errors, TimeSpan Elapsed, long[] Latencies)> RunPhaseAsync(
        Func<RouteRequest, AsyncUnaryCall<RouteResponse>> call, RouteRequest[] requests, int callers, TimeSpan duration, CancellationToken cancellationToken)
    {
        var latencies = new List<long>[callers];
        long done = 0, errors = 0;
        var stopwatch = Stopwatch.StartNew();
        var workers = new Task[callers];
        for (var c = 0; c < callers; c++)
        {
            var caller = c;
            workers[c] = Task.Run(async () =>
            {
                var mine = latencies[caller] = new List<long>(8192);
                var i = caller;
                while (stopwatch.Elapsed < duration && !cancellationToken.IsCancellationRequested)
                {
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        await call(requests[i++ % requests.Length]);
                        mine.Add(Stopwatch.GetTimestamp() - started);
                        Interlocked.Increment(ref done);
                    }
                    catch (RpcException)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
            }, cancellationToken);
        }
        await Task.WhenAll(workers);
        var elapsed = stopwatch.Elapsed;
        return (done, errors, elapsed, latencies.SelectMany(l => l).ToArray());
    }

    /// <summary>ORT alone on the bundled heuristic and on a 152→256→256→2 MLP the size of a trained policy.</summary>
    private static List<OrtBatchFigure> MeasureOrt(PolicyBenchSettings settings)
    {
        var figures = new List<OrtBatchFigure>();
        var random = new Random(7);
        float[] Fill(int n, float scale)
        {
            var values = new float[n];
            for (var i = 0; i < n; i++)
            {
                values[i] = (random.NextSingle() * 2 - 1) * scale;
            }
            return values;
        }
        var mlp = new PolicyNetwork(
        [
            new DenseLayer(FeatureSchemaV1.Width, 256, Fill(FeatureSchemaV1.Width * 256, 0.1f), Fill(256, 0.1f), Activation.Relu),
            new DenseLayer(256, 256, Fill(256 * 256, 0.06f), Fill(256, 0.1f), Activation.Relu),
            new DenseLayer(256, 2, Fill(512, 0.06f), Fill(2, 0.1f), Activation.None),
        ]);
        var models = new (string Name, byte[] Bytes)[]
        {
            ("heuristic-152-3-2", HeuristicPolicy.ModelBytes()),
            ("mlp-152-256-256-2", OnnxPolicyWriter.Write(mlp, new OnnxModelMetadata("bench", FeatureSchemaV1.Version, "benchmark MLP"))),
        };
        var cuda = string.Equals(settings.ExecutionProvider, "Cuda", StringComparison.OrdinalIgnoreCase);
        foreach (var (name, bytes) in models)
        {
            using var options = new Microsoft.ML.OnnxRuntime.SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
            if (cuda)
            {
                options.AppendExecutionProvider_CUDA(0);
            }
            using var session = new PolicySession(new InferenceSession(bytes, options), OnnxPolicyWriter.InputName, OnnxPolicyWriter.OutputName,
                FeatureSchemaV1.Width, 2, cuda ? "CUDA" : "CPU");
            using var buffers = new InferenceBuffers(session, settings.OrtMaxBatch);
            Fill(buffers.Input.Length, 1f).CopyTo(buffers.Input);
            for (var batch = 1; batch <= settings.OrtMaxBatch; batch *= 2)
            {
                for (var w = 0; w < 20; w++)
                {
                    session.Run(buffers, batch);
                }
                long runs = 0;
                var stopwatch = Stopwatch.StartNew();
                while (stopwatch.Elapsed < settings.OrtDuration)
                {
                    session.Run(buffers, batch);
                    runs++;
                }
                var seconds = stopwatch.Elapsed.TotalSeconds;
                figures.Add(new OrtBatchFigure(name, batch, runs * batch / seconds, seconds * 1e6 / runs));
            }
        }
        return figures;
    }

    private static double Percentile(long[] sortedTicks, double quantile)
    {
        if (sortedTicks.Length == 0)
        {
            return 0;
        }
        var index = (int)Math.Min(sortedTicks.Length - 1, Math.Ceiling(quantile * sortedTicks.Length) - 1);
        return sortedTicks[Math.Max(0, index)] * 1e6 / Stopwatch.Frequency;
    }

    private static void Print(PolicyBenchReport report)
    {
        var table = new Table().AddColumns("target", "callers", "requests/s", "p50 µs", "p99 µs", "× echo rps", "× echo p99", "errors");
        foreach (var phase in report.Phases)
        {
            var echo = report.Phases.First(p => p.Target == "echo" && p.Callers == phase.Callers);
            table.AddRow(phase.Target, phase.Callers.ToString(CultureInfo.InvariantCulture),
                phase.RequestsPerSecond.ToString("N0", CultureInfo.InvariantCulture),
                phase.P50Micros.ToString("F0", CultureInfo.InvariantCulture), phase.P99Micros.ToString("F0", CultureInfo.InvariantCulture),
                (phase.RequestsPerSecond / echo.RequestsPerSecond).ToString("F2", CultureInfo.InvariantCulture),
                (phase.P99Micros / echo.P99Micros).ToString("F2", CultureInfo.InvariantCulture),
                phase.Errors.ToString(CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(table);
        var ort = new Table().AddColumns("model", "batch", "rows/s", "µs/run");
        foreach (var figure in report.Ort)
        {
            ort.AddRow(figure.Model, figure.BatchSize.ToString(CultureInfo.InvariantCulture),
                figure.RowsPerSecond.ToString("N0", CultureInfo.InvariantCulture), figure.MicrosPerRun.ToString("F1", CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(ort);
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
            "at 64 callers: policy/echo throughput [bold]{0:F2}[/] (target ≥ 0.8), p99 ratio [bold]{1:F2}[/] (target ≤ 1.5) · {2} cores · {3}",
            report.ThroughputRatioAt64, report.P99RatioAt64, report.ProcessorCount, report.ExecutionProvider);
    }

    private sealed class PolicyInstance(WebApplication app, string address) : IAsyncDisposable
    {
        public string Address { get; } = address;

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}

public sealed record PolicyBenchSettings(IReadOnlyList<int> Callers, TimeSpan Duration, int Rounds, TimeSpan OrtDuration, int OrtMaxBatch, string ExecutionProvider)
{
    public List<string> Validate()
    {
        var problems = new List<string>();
        if (Callers.Count == 0)
        {
            problems.Add("--callers must name at least one count");
        }
        if (Duration <= TimeSpan.Zero || Duration > TimeSpan.FromHours(1))
        {
            problems.Add("--seconds must be > 0 and ≤ 3600");
        }
        if (Rounds is < 1 or > 100)
        {
            problems.Add("--rounds must be between 1 and 100");
        }
        if (OrtDuration <= TimeSpan.Zero || OrtDuration > TimeSpan.FromMinutes(5))
        {
            problems.Add("--ort-seconds must be > 0 and ≤ 300");
        }
        if (OrtMaxBatch is < 1 or > 65_536)
        {
            problems.Add("--ort-max-batch must be between 1 and 65536");
        }
        if (!string.Equals(ExecutionProvider, "Cpu", StringComparison.OrdinalIgnoreCase) && !string.Equals(ExecutionProvider, "Cuda", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add("--execution-provider must be Cpu or Cuda");
        }
        return problems;
    }
}
