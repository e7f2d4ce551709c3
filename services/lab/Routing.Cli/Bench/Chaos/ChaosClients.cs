using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Routing.Cli.Hosting;
using Routing.Contracts.Wire;

namespace Routing.Cli.Bench.Chaos;

/// <summary>What became of one keyed step a chaos client sent.</summary>
public sealed class KeyedStep(string taskId, string key, long firstSentTicks)
{
    public string TaskId { get; } = taskId;

    public string Key { get; } = key;

    /// <summary>Task id and key, as the recording backend sees it (<c>task/key</c>).</summary>
    public string Step => $"{TaskId}/{Key}";

    public long FirstSentTicks { get; } = firstSentTicks;

    /// <summary>When the client got its answer; 0 while it has none.</summary>
    public long AnsweredTicks { get; set; }

    /// <summary>The recording backend's call the answer came from (-1: not one of its answers).</summary>
    public long AnswerCallId { get; set; } = -1;

    public bool Replayed { get; set; }

    /// <summary>A refusal the client does not retry (4xx other than 408/409/429), e.g. "402"; null otherwise.</summary>
    public string? Refusal { get; set; }

    public int Attempts { get; set; }
}

/// <summary>
/// Agents that send keyed steps (<c>Idempotency-Key</c>) over the executor's OpenAI-compatible endpoint, each its own
/// tasks (opened on first sight with <c>X-Routing-Budget-Micros</c>), retrying the same key with the same body
/// until it is answered, whatever died meanwhile: what an agent runtime with retries does.
/// </summary>
public sealed class ChaosClients : IDisposable
{
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(100);
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(5) }) { Timeout = Timeout.InfiniteTimeSpan };
    private readonly ConcurrentQueue<KeyedStep> _steps = new();
    private readonly ConcurrentDictionary<string, int> _retriedStatuses = new(StringComparer.Ordinal);
    private readonly Func<string> _openAiAddress;
    private readonly string _run;
    private readonly int _stepsPerTask;
    private readonly long _limitMicros;
    private readonly TimeSpan _attemptTimeout;
    private volatile bool _stopping;

    /// <param name="openAiAddress">The executor's current …/v1 address (it moves when <c>routing up</c> restarts).</param>
    /// <param name="attemptTimeout">How long an agent waits for one attempt before it gives up on it and retries the key.</param>
    public ChaosClients(Func<string> openAiAddress, string run, int stepsPerTask, long limitMicros, TimeSpan attemptTimeout)
    {
        _attemptTimeout = attemptTimeout;
        _openAiAddress = openAiAddress;
        _run = run;
        _stepsPerTask = stepsPerTask;
        _limitMicros = limitMicros;
    }

    public IReadOnlyCollection<KeyedStep> Steps => _steps;

    /// <summary>Failed attempts that were retried, by HTTP status or <c>connection</c> / <c>timeout</c>.</summary>
    public IReadOnlyDictionary<string, int> RetriedStatuses => _retriedStatuses;

    /// <summary>Tasks the clients opened, in order.</summary>
    public IEnumerable<string> TaskIds => _steps.Select(s => s.TaskId).Distinct(StringComparer.Ordinal);

    /// <summary>Runs <paramref name="clients"/> agents until <see cref="Stop"/>; each finishes the step it is on.</summary>
    public Task RunAsync(int clients, CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(() => AgentAsync(c, cancellationToken), cancellationToken)));

    /// <summary>No new steps from now on; the ones under way are retried until answered.</summary>
    public void Stop() => _stopping = true;

    public void Dispose() => _http.Dispose();

    private async Task AgentAsync(int client, CancellationToken cancellationToken)
    {
        for (var task = 0; !_stopping; task++)
        {
            var taskId = string.Create(CultureInfo.InvariantCulture, $"chaos-{_run}-{client}-{task}");
            for (var s = 1; s <= _stepsPerTask && !_stopping; s++)
            {
                var step = new KeyedStep(taskId, string.Create(CultureInfo.InvariantCulture, $"step-{s}"), Stopwatch.GetTimestamp());
                _steps.Enqueue(step);
                await SendUntilAnsweredAsync(step, cancellationToken);
            }
        }
    }

    private async Task SendUntilAnsweredAsync(KeyedStep step, CancellationToken cancellationToken)
    {
        // The same body on every retry: the key's fingerprint would refuse another one.
        var body = new JsonObject
        {
            ["model"] = ChaosBench.AgentName,
            ["max_tokens"] = RecordingOpenAiServer.CompletionTokens,
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "user", ["content"] = $"chaos task {step.TaskId}" },
                new JsonObject { ["role"] = "user", ["content"] = RecordingOpenAiServer.StepMarker + step.Step }),
        }.ToJsonString();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            step.Attempts++;
            using var request = new HttpRequestMessage(HttpMethod.Post, _openAiAddress() + "/chat/completions")
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", LocalStack.DevApiKey);
            request.Headers.Add(RoutingHeaders.TaskId, step.TaskId);
            request.Headers.Add(RoutingHeaders.BudgetMicros, _limitMicros.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add(RoutingHeaders.IdempotencyKey, step.Key);
            string failure;
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(_attemptTimeout);
            try
            {
                using var response = await _http.SendAsync(request, attempt.Token);
                var text = await response.Content.ReadAsStringAsync(attempt.Token);
                var status = (int)response.StatusCode;
                if (status == 200)
                {
                    var content = JsonNode.Parse(text)?["choices"]?[0]?["message"]?["content"]?.GetValue<string>() ?? "";
                    step.AnswerCallId = RecordingOpenAiServer.CallIdOf(content);
                    step.Replayed = response.Headers.TryGetValues(RoutingHeaders.Replay, out var replay) && replay.Contains("true");
                    step.AnsweredTicks = Stopwatch.GetTimestamp();
                    return;
                }
                if (status is >= 400 and < 500 and not 408 and not 409 and not 429)
                {
                    step.Refusal = string.Create(CultureInfo.InvariantCulture, $"{status}: {text}");
                    step.AnsweredTicks = 0;
                    return;
                }
                failure = status.ToString(CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                failure = "connection";
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                failure = "timeout";
            }
            _retriedStatuses.AddOrUpdate(failure, 1, (_, n) => n + 1);
            await Task.Delay(RetryPause, cancellationToken);
        }
    }
}
