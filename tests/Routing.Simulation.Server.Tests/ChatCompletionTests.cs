using System.Net;
using System.Text;
using System.Text.Json;
using Routing.Simulation.Episodes;

namespace Routing.Simulation.Server.Tests;

/// <summary>Successful calls through a real HTTP client: completions, usage, logprobs, streaming, models, determinism.</summary>
public sealed class ChatCompletionTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task CompletionCarriesTheObservationUsageAndEpisodeState()
    {
        var first = await server.CompleteAsync("qwen3-8b", "search-1-1");
        var second = await server.CompleteAsync("qwen3-32b", "search-1-1");

        Assert.Equal("chat.completion", first.GetProperty("object").GetString());
        Assert.StartsWith("chatcmpl-sim", first.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("qwen3-32b", second.GetProperty("model").GetString());
        var choice = first.GetProperty("choices")[0];
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        var content = choice.GetProperty("message").GetProperty("content").GetString()!;
        Assert.Contains("Confidence: ", content, StringComparison.Ordinal);
        Assert.Contains("Tool output:", content, StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
        Assert.Contains(choice.GetProperty("finish_reason").GetString(), new[] { "stop", "length" });

        var usage = first.GetProperty("usage");
        var prompt = usage.GetProperty("prompt_tokens").GetInt32();
        var completion = usage.GetProperty("completion_tokens").GetInt32();
        Assert.True(prompt > 0 && completion > 0);
        Assert.Equal(prompt + completion, usage.GetProperty("total_tokens").GetInt32());
        // The history grows: the second call's input holds the first call's output and tool observation.
        Assert.True(second.GetProperty("usage").GetProperty("prompt_tokens").GetInt32() >= prompt + completion);

        Assert.Equal("search-1-1", first.GetProperty("routing_sim").GetProperty("task_id").GetString());
        Assert.Equal(0, first.GetProperty("routing_sim").GetProperty("step").GetInt32());
        Assert.Equal(1, second.GetProperty("routing_sim").GetProperty("step").GetInt32());
        Assert.True(first.GetProperty("routing_sim").GetProperty("cost_micros").GetInt64() > 0);
    }

    [Fact]
    public async Task MaxTokensCapsTheReportedUsageAndCost()
    {
        // The first step of one episode on two servers with the same seed, once uncapped and once with max_tokens 1:
        // a real backend stops generating at the cap, so a caller's worst-case reservation (input + max_tokens)
        // always covers the usage.
        await using var twin = await ServerFixture.StartAsync(new SimulatorServerOptions { Seed = ServerFixture.Seed });
        var full = await server.CompleteAsync("qwen3-32b", "coding-3-5.4");
        var capped = await twin.CompleteAsync("qwen3-32b", "coding-3-5.4", ", \"max_tokens\": 1");

        var fullUsage = full.GetProperty("usage");
        var cappedUsage = capped.GetProperty("usage");
        Assert.True(fullUsage.GetProperty("completion_tokens").GetInt32() > 1);
        Assert.Equal(1, cappedUsage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(fullUsage.GetProperty("prompt_tokens").GetInt32(), cappedUsage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal("length", capped.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.True(capped.GetProperty("routing_sim").GetProperty("cost_micros").GetInt64() < full.GetProperty("routing_sim").GetProperty("cost_micros").GetInt64());
    }

    [Fact]
    public async Task TaskIdMayComeInTheHeader()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = ServerFixture.Json(ServerFixture.Body("qwen3-4b", null)) };
        request.Headers.Add("X-Routing-Task-Id", "coding-2-7.1");
        using var response = await server.Client.SendAsync(request);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("coding-2-7.1", json.RootElement.GetProperty("routing_sim").GetProperty("task_id").GetString());
    }

    [Fact]
    public async Task LogprobsCoverTheContentWithSortedAlternatives()
    {
        var completion = await server.CompleteAsync("qwen3-14b", "coding-0-3", ", \"logprobs\": true, \"top_logprobs\": 3");

        var choice = completion.GetProperty("choices")[0];
        var content = choice.GetProperty("message").GetProperty("content").GetString();
        var tokens = choice.GetProperty("logprobs").GetProperty("content").EnumerateArray().ToList();
        Assert.Equal(content, string.Concat(tokens.Select(t => t.GetProperty("token").GetString())));
        foreach (var token in tokens)
        {
            var logprob = token.GetProperty("logprob").GetDouble();
            Assert.InRange(logprob, -10, 0);
            Assert.Equal(Encoding.UTF8.GetBytes(token.GetProperty("token").GetString()!), token.GetProperty("bytes").EnumerateArray().Select(b => (byte)b.GetInt32()));
            var top = token.GetProperty("top_logprobs").EnumerateArray().Select(t => t.GetProperty("logprob").GetDouble()).ToList();
            Assert.Equal(3, top.Count);
            Assert.Equal(top.OrderDescending(), top);
            Assert.Contains(logprob, top);
            Assert.True(top.Sum(Math.Exp) <= 1.0 + 1e-9);
        }
    }

    [Fact]
    public async Task StreamingSendsRoleTokensFinishUsageAndDone()
    {
        // The same call on a second server with the same seed, streamed: same text, same usage.
        var plain = await server.CompleteAsync("gpt-4.1-mini", "search-3-11", ", \"logprobs\": true");
        await using var twin = await ServerFixture.StartAsync(new SimulatorServerOptions { Seed = ServerFixture.Seed });
        var body = ServerFixture.Body("gpt-4.1-mini", "search-3-11", ", \"stream\": true, \"stream_options\": {\"include_usage\": true}, \"logprobs\": true");
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = ServerFixture.Json(body) };
        using var response = await twin.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, line => Assert.StartsWith("data: ", line, StringComparison.Ordinal));
        Assert.Equal("data: [DONE]", lines[^1]);
        var chunks = lines[..^1].Select(line => JsonDocument.Parse(line["data: ".Length..]).RootElement).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        Assert.All(chunks, c => Assert.Equal(plain.GetProperty("id").GetString(), c.GetProperty("id").GetString()));

        Assert.Equal("assistant", chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        var withChoices = chunks.Where(c => c.GetProperty("choices").GetArrayLength() == 1).ToList();
        var text = string.Concat(withChoices.Select(c => c.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out var d) ? d.GetString() : ""));
        Assert.Equal(plain.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), text);
        var streamedLogprobs = withChoices
            .Select(c => c.GetProperty("choices")[0].GetProperty("logprobs"))
            .Where(l => l.ValueKind == JsonValueKind.Object)
            .Select(l => l.GetProperty("content")[0].GetProperty("logprob").GetDouble());
        Assert.Equal(plain.GetProperty("choices")[0].GetProperty("logprobs").GetProperty("content").EnumerateArray().Select(t => t.GetProperty("logprob").GetDouble()), streamedLogprobs);

        var finish = withChoices[^1];
        Assert.Equal(plain.GetProperty("choices")[0].GetProperty("finish_reason").GetString(), finish.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(0, finish.GetProperty("routing_sim").GetProperty("step").GetInt32());
        var usageChunk = chunks[^1];
        Assert.Equal(0, usageChunk.GetProperty("choices").GetArrayLength());
        Assert.Equal(plain.GetProperty("usage").ToString(), usageChunk.GetProperty("usage").ToString());
        Assert.All(chunks[..^1], c => Assert.Equal(JsonValueKind.Null, c.GetProperty("usage").ValueKind));
    }

    [Fact]
    public async Task SameSeedAndCallsGiveTheSameAnswersAndOtherSeedsDiffer()
    {
        await using var a = await ServerFixture.StartAsync(new SimulatorServerOptions { Seed = 77 });
        await using var b = await ServerFixture.StartAsync(new SimulatorServerOptions { Seed = 77 });
        await using var other = await ServerFixture.StartAsync(new SimulatorServerOptions { Seed = 78 });
        string[] models = ["qwen3-4b", "qwen3-32b", "qwen3-4b", "gpt-4.1"];
        var differs = false;
        foreach (var model in models)
        {
            var x = await a.CompleteAsync(model, "coding-4-2", ", \"logprobs\": true, \"top_logprobs\": 2");
            var y = await b.CompleteAsync(model, "coding-4-2", ", \"logprobs\": true, \"top_logprobs\": 2");
            var z = await other.CompleteAsync(model, "coding-4-2");
            Assert.Equal(Stable(x), Stable(y));
            differs |= x.GetProperty("usage").ToString() != z.GetProperty("usage").ToString();
            if (x.GetProperty("routing_sim").GetProperty("ended").GetBoolean())
            {
                break;
            }
        }

        Assert.True(differs, "seed 78 answered exactly like seed 77");

        // Everything but the wall-clock 'created' field.
        static string Stable(JsonElement completion) =>
            string.Join('|', completion.EnumerateObject().Where(p => p.Name != "created").Select(p => p.Value.ToString()));
    }

    [Fact]
    public async Task HttpEpisodeEqualsTheInProcessEpisodeAndEndsWithAVerdict()
    {
        var model = SimulatorModel.Default;
        var pool = model.SalePool;
        var runner = new EpisodeRunner(model, pool);
        for (var index = 0; index < 3; index++)
        {
            var taskId = $"search-2-{100 + index}";
            var task = new Tasks.TaskGenerator(model, ServerFixture.Seed).Create(Tasks.Domain.Search, 2, 100 + index);
            var expected = runner.Run(task, new FixedAgentRouter(pool.IndexOf("qwen3-14b")));

            long cost = 0;
            long input = 0;
            JsonElement last = default;
            for (var step = 0; step < task.Horizon; step++)
            {
                last = await server.CompleteAsync("qwen3-14b", taskId);
                cost += last.GetProperty("routing_sim").GetProperty("cost_micros").GetInt64();
                input += last.GetProperty("usage").GetProperty("prompt_tokens").GetInt64();
                if (last.GetProperty("routing_sim").GetProperty("ended").GetBoolean())
                {
                    break;
                }
            }

            var sim = last.GetProperty("routing_sim");
            Assert.True(sim.GetProperty("ended").GetBoolean());
            Assert.Equal(expected.Steps, sim.GetProperty("step").GetInt32() + 1);
            Assert.Equal(expected.CostMicros, cost);
            Assert.Equal(expected.InputTokens, input);
            Assert.Equal(expected.Success, sim.GetProperty("success").GetBoolean());
            Assert.Equal(SimulatedBackend.Describe(expected.End), sim.GetProperty("end").GetString());

            // The episode is over: another call is refused, a new attempt starts afresh.
            var (status, error, _) = await server.PostAsync(ServerFixture.Body("qwen3-14b", taskId));
            Assert.Equal(409, status);
            Assert.Equal("episode_ended", error.RootElement.GetProperty("error").GetProperty("code").GetString());
            var replay = await server.CompleteAsync("qwen3-14b", taskId + ".1");
            Assert.Equal(0, replay.GetProperty("routing_sim").GetProperty("step").GetInt32());
        }
    }

    [Fact]
    public async Task ConcurrentCallsOnOneTaskTakeEveryStepOnceAndOtherTasksAreUnaffected()
    {
        await using var sequential = await ServerFixture.StartAsync(new SimulatorServerOptions { Seed = 91 });
        await using var concurrent = await ServerFixture.StartAsync(new SimulatorServerOptions { Seed = 91 });
        var tasks = Enumerable.Range(0, 12).Select(i => $"coding-4-{i}").ToList();
        var expected = new List<string>();
        foreach (var task in tasks)
        {
            expected.Add((await sequential.CompleteAsync("gpt-4.1", task)).GetProperty("usage").ToString());
        }

        // Twelve tasks at once, plus three calls at once on a task of its own: its steps are taken one at a time.
        var many = tasks.Select(t => concurrent.CompleteAsync("gpt-4.1", t)).ToList();
        var same = Enumerable.Range(0, 3).Select(_ => concurrent.CompleteAsync("gpt-4.1", "coding-4-99")).ToList();
        var results = await Task.WhenAll(many);
        var steps = (await Task.WhenAll(same)).Select(r => r.GetProperty("routing_sim").GetProperty("step").GetInt32()).Order();

        Assert.Equal(expected, results.Select(r => r.GetProperty("usage").ToString()));
        Assert.Equal([0, 1, 2], steps);
    }

    [Fact]
    public async Task ModelsAreListedWithPrices()
    {
        using var list = JsonDocument.Parse(await server.Client.GetStringAsync("v1/models"));
        var models = list.RootElement.GetProperty("data").EnumerateArray().ToList();

        Assert.Equal("list", list.RootElement.GetProperty("object").GetString());
        Assert.Equal(SimulatorModel.Default.Parameters.Agents.Count, models.Count);
        var names = models.Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.Contains("qwen3-4b", names);
        Assert.Contains("gpt-4.1", names);
        var gpt = models.Single(m => m.GetProperty("id").GetString() == "gpt-4.1");
        Assert.Equal("model", gpt.GetProperty("object").GetString());
        Assert.Equal(2.00, gpt.GetProperty("pricing").GetProperty("input_usd_per_mtok").GetDouble(), 6);
        Assert.Equal(8.00, gpt.GetProperty("pricing").GetProperty("output_usd_per_mtok").GetDouble(), 6);
        var prices = models.Select(m => m.GetProperty("pricing").GetProperty("input_micros_per_mtok").GetInt64() + m.GetProperty("pricing").GetProperty("output_micros_per_mtok").GetInt64()).ToList();
        Assert.Equal(prices.Order(), prices);

        using var one = JsonDocument.Parse(await server.Client.GetStringAsync("v1/models/qwen3-4b"));
        Assert.Equal(0.05, one.RootElement.GetProperty("pricing").GetProperty("input_usd_per_mtok").GetDouble(), 6);
        Assert.Equal("ok\n", await server.Client.GetStringAsync("healthz"));
    }
}
