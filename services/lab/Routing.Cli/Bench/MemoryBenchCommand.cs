using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Grpc.Net.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Routing.Cli.Output;
using Routing.Contracts.Memory.V1;
using Routing.EmbeddedRedis;
using Routing.Memory;
using Routing.Memory.Encoding;
using Routing.Memory.Index;
using Routing.Memory.Storage;
using Routing.ServiceDefaults.Options;
using Spectre.Console;
using StackExchange.Redis;

namespace Routing.Cli.Bench;

/// <summary>
/// <c>routing bench memory</c>: for each size, records that many auctions of one tenant through the memory
/// service (gRPC, concurrent callers), then runs the same queries through four paths in the same process —
/// the service end to end, its index, an exhaustive SIMD float scan, and a naive reference scan — and checks
/// that the index returns exactly what the naive scan returns.
/// </summary>
public static class MemoryBenchCommand
{
    public static Command Create()
    {
        var redis = new Option<string?>("--redis") { Description = "Redis for the service. Default: an embedded Redis-compatible server per size." };
        var sizes = new Option<string>("--records") { Description = "Comma-separated tenant sizes.", DefaultValueFactory = _ => "10000,100000" };
        var queries = new Option<int>("--queries") { Description = "Timed queries per path and size.", DefaultValueFactory = _ => 300 };
        var k = new Option<int>("--k") { Description = "Past tasks retrieved per query.", DefaultValueFactory = _ => 8 };
        var dimension = new Option<int>("--dimension") { Description = "Built-in encoder dimension.", DefaultValueFactory = _ => 384 };
        var callers = new Option<int>("--callers") { Description = "Concurrent callers while recording.", DefaultValueFactory = _ => 16 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object as the last line of stdout." };
        var command = new Command("memory", "Memory service insert rate and retrieval p50/p99 versus a naive reference scan, with index memory.")
        {
            redis, sizes, queries, k, dimension, callers, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = MemoryBenchSettings.Parse(parse.GetValue(redis), parse.GetValue(sizes) ?? "", parse.GetValue(queries),
                parse.GetValue(k), parse.GetValue(dimension), parse.GetValue(callers), out var problems);
            if (settings is null)
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
                Console.WriteLine(JsonSerializer.Serialize(report, MemoryBenchJsonContext.Default.MemoryBenchReport));
            }
            return report.Sizes.All(s => s.ResultMismatches == 0 && s.Indexed == s.Records) ? 0 : 1;
        });
        return command;
    }

    public static async Task<MemoryBenchReport> RunAsync(MemoryBenchSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var results = new List<MemorySizeResult>();
        await StandardErrorProgress.Create().StartAsync(async context =>
        {
            foreach (var size in settings.Sizes)
            {
                results.Add(await RunSizeAsync(settings, size, context, cancellationToken));
            }
        });
        return new MemoryBenchReport("memory", settings.Redis is null ? "embedded-garnet" : "redis", settings.Callers, results);
    }

    private static async Task<MemorySizeResult> RunSizeAsync(MemoryBenchSettings settings, int size, ProgressContext context, CancellationToken cancellationToken)
    {
        using var embedded = settings.Redis is null ? EmbeddedRedisServer.Start() : null;
        var redis = settings.Redis ?? embedded!.ConnectionString;
        var prefix = $"bench:memory:{Guid.NewGuid():N}:";
        const string tenant = "bench";
        var configuration = BenchServiceSettings.Loopback(redis, new Dictionary<string, string?>
        {
            ["Routing:Memory:KeyPrefix"] = prefix,
            ["Routing:Memory:MaxRecordsPerTenant"] = size.ToString(CultureInfo.InvariantCulture),
            ["Routing:Memory:EncoderDimension"] = settings.Dimension.ToString(CultureInfo.InvariantCulture),
            ["Routing:Memory:ChangeLogLength"] = Math.Max(1_000, size * 2).ToString(CultureInfo.InvariantCulture),
        });
        await using var app = MemoryServiceHost.Build([], builder => builder.Configuration.AddInMemoryCollection(configuration));
        await app.StartAsync(cancellationToken);
        await app.Services.GetRequiredService<MemoryIndex>().WhenReady.WaitAsync(cancellationToken);
        var endpoint = app.Services.GetRequiredService<ServiceEndpointOptions>();
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{endpoint.GrpcPort}", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
        });
        var client = new MemoryService.MemoryServiceClient(channel);
        var workload = new MemoryBenchWorkload(seed: 42);
        var label = size.ToString("N0", CultureInfo.InvariantCulture);

        // Record through the service.
        var recording = context.AddTask($"{label}: record", maxValue: size);
        var next = -1;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, settings.Callers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < size)
            {
                await client.RecordAuctionAsync(workload.Auction(tenant, i), cancellationToken: cancellationToken);
                recording.Increment(1);
            }
        }, cancellationToken)));
        var insertsPerSecond = size / Stopwatch.GetElapsedTime(started).TotalSeconds;

        // The same auctions, encoded here, for the naive reference.
        var encoder = new HashedNgramEncoder(settings.Dimension);
        var naive = new NaiveScan(settings.Dimension);
        for (var i = 0; i < size; i++)
        {
            var auction = workload.Auction(tenant, i);
            var vector = new float[settings.Dimension];
            encoder.Encode(auction.TaskText, vector);
            naive.Add(auction.AuctionId, vector, [.. auction.Bids.Select(b => b.Agent).Distinct()]);
        }
        var index = app.Services.GetRequiredService<MemoryIndex>().Find(tenant)
            ?? throw new InvalidOperationException("the benchmark tenant is missing from the index");
        var stored = await client.StatsAsync(new StatsRequest { Tenant = tenant }, cancellationToken: cancellationToken);
        if (stored.Tenants[0].Records != size || index.Count != size)
        {
            // Seen with the embedded server: its 256 MB store does not keep 100k auctions of 384 dimensions.
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"warning: {size} auctions recorded, but Redis holds {stored.Tenants[0].Records} and the index {index.Count}; figures for this size are not valid (use --redis with a real server)"));
        }

        var paths = new Dictionary<string, List<double>>
        {
            ["service (gRPC, end to end)"] = [],
            ["index (int8 scan + exact rescoring)"] = [],
            ["exhaustive SIMD float scan"] = [],
            ["naive scan (reference)"] = [],
        };
        var queries = context.AddTask($"{label}: query", maxValue: settings.Queries + Warmup);
        var mismatches = 0;
        long candidates = 0;
        var hits = new List<SearchHit>(settings.K);
        for (var q = 0; q < settings.Queries + Warmup; q++)
        {
            var text = workload.Query(q);
            var agent = MemoryBenchWorkload.Agents[q % MemoryBenchWorkload.Agents.Length];
            var timed = q >= Warmup;

            var t0 = Stopwatch.GetTimestamp();
            await client.RetrieveContrastiveAsync(new RetrieveContrastiveRequest { Tenant = tenant, Agent = agent, TaskText = text, K = settings.K },
                cancellationToken: cancellationToken);
            var service = Stopwatch.GetElapsedTime(t0);

            var query = new float[settings.Dimension];
            encoder.Encode(text, query);
            hits.Clear();
            t0 = Stopwatch.GetTimestamp();
            var found = index.Search(query, agent, settings.K, null, long.MinValue, hits);
            var indexed = Stopwatch.GetElapsedTime(t0);

            t0 = Stopwatch.GetTimestamp();
            index.SearchExhaustive(query, agent, settings.K);
            var exhaustive = Stopwatch.GetElapsedTime(t0);

            t0 = Stopwatch.GetTimestamp();
            var reference = naive.Search(query, agent, settings.K);
            var naiveTime = Stopwatch.GetElapsedTime(t0);

            if (timed)
            {
                paths["service (gRPC, end to end)"].Add(service.TotalMilliseconds);
                paths["index (int8 scan + exact rescoring)"].Add(indexed.TotalMilliseconds);
                paths["exhaustive SIMD float scan"].Add(exhaustive.TotalMilliseconds);
                paths["naive scan (reference)"].Add(naiveTime.TotalMilliseconds);
                candidates += found;
                if (!SameResults(hits, reference))
                {
                    mismatches++;
                }
            }
            queries.Increment(1);
        }

        var retrieval = paths.Select(p => Summarise(p.Key, p.Value)).ToList();
        var indexBytes = index.ApproximateBytes;
        await DeleteKeysAsync(redis, prefix, tenant, size);
        return new MemorySizeResult(
            size, stored.Tenants[0].Records, index.Count, settings.Dimension, insertsPerSecond, settings.Queries, settings.K, (double)candidates / settings.Queries, retrieval,
            retrieval[3].P99Ms / retrieval[1].P99Ms, mismatches, indexBytes, naive.RawVectorBytes, (double)indexBytes / naive.RawVectorBytes);
    }

    private const int Warmup = 20;

    /// <summary>Same ids in the same order; a swap of two results whose similarities agree to 1e-5 (float summation order) is not a mismatch.</summary>
    private static bool SameResults(List<SearchHit> actual, List<SearchHit> expected)
    {
        if (actual.Count != expected.Count)
        {
            return false;
        }
        for (var i = 0; i < actual.Count; i++)
        {
            if (actual[i].AuctionId != expected[i].AuctionId && Math.Abs(actual[i].Similarity - expected[i].Similarity) > 1e-5)
            {
                return false;
            }
        }
        return true;
    }

    private static RetrievalPath Summarise(string path, List<double> milliseconds)
    {
        milliseconds.Sort();
        return new RetrievalPath(path, Percentile(milliseconds, 0.50), Percentile(milliseconds, 0.99), milliseconds.Average());
    }

    private static double Percentile(List<double> sorted, double quantile) =>
        sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(quantile * sorted.Count) - 1)];

    /// <summary>Leaves an external Redis as it was: every key the run wrote is known, so it is deleted by name.</summary>
    private static async Task DeleteKeysAsync(string redis, string prefix, string tenant, int size)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis);
        var db = connection.GetDatabase();
        var keys = new MemoryKeys(prefix);
        var batch = new List<Task>();
        for (var i = 0; i < size; i++)
        {
            batch.Add(db.KeyDeleteAsync(keys.Auction(tenant, $"auction-{i:D7}")));
            if (batch.Count == 1_000)
            {
                await Task.WhenAll(batch);
                batch.Clear();
            }
        }
        // One key per delete: the tenant's keys and the global ones sit on different Redis Cluster slots.
        foreach (var key in new[] { keys.Order(tenant), keys.Meta(tenant), keys.Changes(tenant), keys.ChangeSequence(tenant), keys.Tenants, keys.ChangeTick, keys.ChangedTenants })
        {
            batch.Add(db.KeyDeleteAsync(key));
        }
        await Task.WhenAll(batch);
    }

    private static void Print(MemoryBenchReport report)
    {
        foreach (var size in report.Sizes)
        {
            var table = new Table().AddColumns("path", "p50 ms", "p99 ms", "mean ms");
            foreach (var path in size.Retrieval)
            {
                table.AddRow(path.Path, path.P50Ms.ToString("F3", CultureInfo.InvariantCulture),
                    path.P99Ms.ToString("F3", CultureInfo.InvariantCulture), path.MeanMs.ToString("F3", CultureInfo.InvariantCulture));
            }
            AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
                "[bold]{0:N0} records[/], {1} dims: record {2:N0}/s · k {3} · mean candidates {4:N0} · naive/index p99 [bold]{5:F1}×[/] · mismatches {6} · index memory {7:F2}× raw vectors ({8:N1} MiB)",
                size.Records, size.Dimension, size.InsertsPerSecond, size.K, size.MeanCandidates, size.SpeedupVersusNaiveP99,
                size.ResultMismatches, size.MemoryRatio, size.IndexBytes / 1048576.0);
            AnsiConsole.Write(table);
        }
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "redis: {0}, {1} recording callers", report.Redis, report.Callers);
    }
}

public sealed record MemoryBenchSettings(string? Redis, IReadOnlyList<int> Sizes, int Queries, int K, int Dimension, int Callers)
{
    public static MemoryBenchSettings? Parse(string? redis, string sizes, int queries, int k, int dimension, int callers, out List<string> problems)
    {
        problems = [];
        var parsed = new List<int>();
        foreach (var part in sizes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var size) && size is >= 1 and <= 2_000_000)
            {
                parsed.Add(size);
            }
            else
            {
                problems.Add($"--records: '{part}' is not a size between 1 and 2000000");
            }
        }
        if (parsed.Count == 0 && problems.Count == 0)
        {
            problems.Add("--records needs at least one size");
        }
        if (queries is < 1 or > 1_000_000)
        {
            problems.Add("--queries must be between 1 and 1000000");
        }
        if (k is < 1 or > 256)
        {
            problems.Add("--k must be between 1 and 256");
        }
        if (dimension is < 16 or > 4_096)
        {
            problems.Add("--dimension must be between 16 and 4096");
        }
        if (callers is < 1 or > 1_024)
        {
            problems.Add("--callers must be between 1 and 1024");
        }
        return problems.Count == 0 ? new MemoryBenchSettings(redis, parsed, queries, k, dimension, callers) : null;
    }
}
