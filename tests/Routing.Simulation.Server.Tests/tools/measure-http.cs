#:project ../../../services/lab/Routing.Simulation.Server/Routing.Simulation.Server.csproj

// Plays whole simulated episodes through `routing sim serve`'s HTTP endpoint (in-process server, loopback,
// one HttpClient) and prints calls per second and episodes per minute.
// Usage (from the repository root):
//   dotnet run -c Release tests/Routing.Simulation.Server.Tests/tools/measure-http.cs -- [episodes] [concurrency] [stream]
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Routing.Simulation.Server;

var episodes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2_000;
var concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 8;
var stream = args.Length > 2 && args[2] == "stream";
await using var server = await SimulatorServer.StartAsync(new SimulatorServerOptions { Seed = 1, MaxTasks = 1_000_000 });
using var client = new HttpClient { BaseAddress = server.Address };
string[] bins = ["search", "coding"];

async Task<int> Play(string taskId)
{
    for (var calls = 1; ; calls++)
    {
        var body = $"{{\"model\":\"qwen3-14b\",\"messages\":[{{\"role\":\"user\",\"content\":\"go\"}}],\"metadata\":{{\"task_id\":\"{taskId}\"}}{(stream ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}" : "")}}}";
        using var response = await client.PostAsync("v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        response.EnsureSuccessStatusCode();
        var json = stream ? text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains("routing_sim", StringComparison.Ordinal)).Single()["data: ".Length..] : text;
        using var doc = JsonDocument.Parse(json);
        if (doc.RootElement.GetProperty("routing_sim").GetProperty("ended").GetBoolean())
        {
            return calls;
        }
    }
}

async Task<long> Run(int count, int offset)
{
    long total = 0;
    await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, _) =>
        Interlocked.Add(ref total, await Play($"{bins[i % 2]}-{i / 2 % 5}-{offset + i}")));
    return total;
}

await Run(200, 10_000_000); // warm-up
var clock = Stopwatch.StartNew();
var callCount = await Run(episodes, 0);
var seconds = clock.Elapsed.TotalSeconds;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{episodes} episodes, {callCount} calls ({(stream ? "streamed" : "JSON")}, {concurrency} concurrent, {Environment.ProcessorCount} cores) in {seconds:0.0}s: {callCount / seconds:N0} calls/s, {episodes / seconds * 60:N0} episodes/minute"));
