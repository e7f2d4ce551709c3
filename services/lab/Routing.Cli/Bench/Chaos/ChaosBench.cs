using System.Diagnostics;
using System.Globalization;
using Grpc.Net.Client;
using Routing.Cli.Hosting;
using Routing.Contracts.Budget.V1;
using Routing.ServiceDefaults.Auth;
using Routing.ServiceDefaults.Hosting;

namespace Routing.Cli.Bench.Chaos;

/// <summary>Settings of <c>routing bench chaos</c>.</summary>
/// <param name="Cycles">Kills, alternating <c>routing up</c> (odd cycles) and redis-server (even ones).</param>
/// <param name="Tasks">Concurrent agents, each stepping its own tasks.</param>
/// <param name="RedisPort">Port of the redis-server child; 0 picks a free one.</param>
/// <param name="AttemptTimeoutMs">How long an agent waits for one attempt before it retries the key (while the first may still run).</param>
public sealed record ChaosSettings(int Cycles = 10, int Tasks = 8, int StepsPerTask = 4, ulong Seed = 1, int BackendDelayMs = 400, int RedisPort = 0, int AttemptTimeoutMs = 2_000)
{
    public List<string> Validate()
    {
        var problems = new List<string>();
        if (Cycles is < 1 or > 1000)
        {
            problems.Add("--cycles must be between 1 and 1000");
        }
        if (Tasks is < 1 or > 256)
        {
            problems.Add("--tasks must be between 1 and 256");
        }
        if (StepsPerTask is < 1 or > 100)
        {
            problems.Add("--steps-per-task must be between 1 and 100");
        }
        if (BackendDelayMs is < 10 or > 10_000)
        {
            problems.Add("--backend-delay-ms must be between 10 and 10000");
        }
        if (AttemptTimeoutMs < BackendDelayMs + 100 || AttemptTimeoutMs > 600_000)
        {
            problems.Add("--attempt-timeout-ms must be at least --backend-delay-ms + 100 and at most 600000");
        }
        if (RedisPort is < 0 or > 65_535)
        {
            problems.Add("--redis-port must be between 0 and 65535");
        }
        return problems;
    }
}

/// <summary>
/// The chaos run: redis-server (AOF, fsync always) and <c>routing up</c> as child processes, a slow recording
/// backend in this process as the pool's only agent, agents sending keyed steps; in a loop, while model calls are
/// in flight, kill -9 one of the two and start it again; then the audit (<see cref="ChaosAudit"/>).
/// </summary>
public static class ChaosBench
{
    public const string RoutingUp = "routing-up";
    public const string Redis = "redis";
    public const string AgentName = "chaos-slow";

    /// <summary>µ$ per million tokens: 1 µ$ per input and 2 µ$ per output token, so a call costs a whole number.</summary>
    private const long PriceInMicrosPerMTok = 1_000_000;
    private const long PriceOutMicrosPerMTok = 2_000_000;

    /// <summary>What every recorded call costs: its fixed usage at the agent's prices.</summary>
    public const long CallCostMicros =
        (RecordingOpenAiServer.PromptTokens * PriceInMicrosPerMTok + RecordingOpenAiServer.CompletionTokens * PriceOutMicrosPerMTok) / 1_000_000;

    /// <summary>Per task: room for each step's reservation (about 200 µ$) several times over, so retries never run dry.</summary>
    private const long LimitMicrosPerStep = 2_000;

    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(120);

    /// <param name="progress">Called after each cycle with the cycle number and what was killed.</param>
    public static async Task<ChaosReport> RunAsync(ChaosSettings settings, Action<int, string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var binary = RedisServerProcess.FindBinary()
            ?? throw new InvalidOperationException("redis-server is not on PATH (apt-get install redis-server): the chaos run kills and restarts a real one");
        var random = new Random(unchecked((int)settings.Seed ^ (int)(settings.Seed >> 32)));
        var limit = LimitMicrosPerStep * settings.StepsPerTask;
        var folder = Directory.CreateTempSubdirectory("routing-bench-chaos-");
        using var redis = RedisServerProcess.Start(binary, settings.RedisPort);
        await using var backend = await RecordingOpenAiServer.StartAsync(TimeSpan.FromMilliseconds(settings.BackendDelayMs));
        var agents = Path.Combine(folder.FullName, "agents.json");
        await File.WriteAllTextAsync(agents, string.Create(CultureInfo.InvariantCulture, $$"""
            {"agents":[{"name":"{{AgentName}}","endpoint":"{{backend.BaseAddress}}","model":"{{AgentName}}","priceInMicrosPerMTok":{{PriceInMicrosPerMTok}},"priceOutMicrosPerMTok":{{PriceOutMicrosPerMTok}},"tier":0,"maxOutputTokens":{{RecordingOpenAiServer.CompletionTokens}}}]}
            """), cancellationToken);
        var up = await RoutingUpProcess.StartAsync(redis.ConnectionString, agents, cancellationToken);
        try
        {
            var run = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            using var clients = new ChaosClients(() => Volatile.Read(ref up).OpenAiAddress, run, settings.StepsPerTask, limit, TimeSpan.FromMilliseconds(settings.AttemptTimeoutMs));
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var agentsRun = clients.RunAsync(settings.Tasks, stop.Token);
            var restarts = new List<ChaosRestart>();
            var upRestartMs = new List<double>();
            for (var cycle = 1; cycle <= settings.Cycles; cycle++)
            {
                await WhileModelCallsAreInFlightAsync(backend, random, settings.BackendDelayMs, cancellationToken);
                var victim = cycle % 2 == 1 ? RoutingUp : Redis;
                var killed = Stopwatch.GetTimestamp();
                if (victim == RoutingUp)
                {
                    up.Kill();
                    up.Dispose();
                    var restarted = await RoutingUpProcess.StartAsync(redis.ConnectionString, agents, cancellationToken);
                    Volatile.Write(ref up, restarted);
                    upRestartMs.Add(Stopwatch.GetElapsedTime(killed).TotalMilliseconds);
                }
                else
                {
                    redis.Kill();
                    redis.Start();
                }
                restarts.Add(new ChaosRestart(victim, killed, Stopwatch.GetTimestamp()));
                await UntilAnsweredAsync(clients, killed, cancellationToken);
                progress?.Invoke(cycle, victim);
            }

            clients.Stop();
            if (await Task.WhenAny(agentsRun, Task.Delay(SettleTimeout, cancellationToken)) != agentsRun)
            {
                await stop.CancelAsync();
            }
            await agentsRun.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            var ledgers = await LedgersAsync(up.BudgetAddress, up.ServiceToken, clients.TaskIds, cancellationToken);
            var steps = clients.Steps.ToList();
            var findings = ChaosAudit.Run(steps, [.. backend.Calls], ledgers, restarts, CallCostMicros);
            return new ChaosReport(
                "chaos", settings.Seed, settings.Cycles, settings.Tasks, settings.StepsPerTask, settings.BackendDelayMs, settings.AttemptTimeoutMs, limit, CallCostMicros,
                restarts.Count(r => r.Victim == RoutingUp), restarts.Count(r => r.Victim == Redis),
                findings.Keys, findings.Answered, findings.Refused, findings.Replays, findings.ModelCalls, findings.Abandoned,
                findings.Repeated, findings.RepeatedAfterAnswered, findings.Concurrent, findings.WrongAnswers,
                ledgers.Count, findings.TasksBelowCost, findings.TasksAboveLimit, findings.BackendCostMicros, findings.CommittedMicros,
                findings.UnknownOutcomes, Math.Max(findings.LongestWaitAfterRoutingUpMs, findings.LongestWaitAfterRedisMs),
                findings.LongestWaitAfterRoutingUpMs, findings.LongestWaitAfterRedisMs, upRestartMs.Count == 0 ? 0 : upRestartMs.Average(),
                new SortedDictionary<string, int>(clients.RetriedStatuses.ToDictionary(), StringComparer.Ordinal), findings.Problems);
        }
        finally
        {
            up.Dispose();
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Waits a random part of a call's delay, then until the backend holds a call (at most 10 s), so a kill lands mid-call.</summary>
    private static async Task WhileModelCallsAreInFlightAsync(RecordingOpenAiServer backend, Random random, int delayMs, CancellationToken cancellationToken)
    {
        await Task.Delay(random.Next(delayMs), cancellationToken);
        var deadline = Stopwatch.GetTimestamp() + 10 * Stopwatch.Frequency;
        while (backend.InFlight == 0 && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(5, cancellationToken);
        }
    }

    /// <summary>Waits until every step under way at the kill has its answer (or a refusal), so each kill is measured on its own.</summary>
    private static async Task UntilAnsweredAsync(ChaosClients clients, long killedTicks, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(SettleTimeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline
            && clients.Steps.Any(s => s.FirstSentTicks <= killedTicks && s.AnsweredTicks == 0 && s.Refusal is null))
        {
            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>Every task's ledger, read from the budget service of the last <c>routing up</c>.</summary>
    private static async Task<Dictionary<string, ChaosLedger>> LedgersAsync(
        string budgetAddress, string serviceToken, IEnumerable<string> tasks, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(budgetAddress, new GrpcChannelOptions().WithToken(() => serviceToken));
        var budget = new BudgetService.BudgetServiceClient(channel);
        var ledgers = new Dictionary<string, ChaosLedger>(StringComparer.Ordinal);
        foreach (var task in tasks)
        {
            try
            {
                var ledger = await budget.GetTaskAsync(new GetTaskRequest { Tenant = LocalStack.DevTenant, TaskId = task }, cancellationToken: cancellationToken);
                ledgers[task] = new ChaosLedger(ledger.LimitMicros, ledger.CommittedMicros, ledger.ReservationsUnknownOutcome);
            }
            catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.NotFound)
            {
                // No ledger: the audit counts the task below its backend cost if any call was made for it.
            }
        }
        return ledgers;
    }
}
