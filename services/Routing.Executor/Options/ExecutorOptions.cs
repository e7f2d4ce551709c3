using System.ComponentModel.DataAnnotations;

namespace Routing.Executor.Options;

/// <summary>The executor's settings. Section <c>Routing:Executor</c>.</summary>
public sealed class ExecutorOptions
{
    public const string SectionName = "Routing:Executor";

    /// <summary>gRPC address of the budget service (<c>dns:///routing-budget:5101</c> in a cluster).</summary>
    [Required]
    public string BudgetAddress { get; set; } = "http://127.0.0.1:5101";

    /// <summary>gRPC address of the policy service.</summary>
    [Required]
    public string PolicyAddress { get; set; } = "http://127.0.0.1:5102";

    /// <summary>gRPC address of the memory service (SALE auctions); unused by steps.</summary>
    public string MemoryAddress { get; set; } = "http://127.0.0.1:5103";

    /// <summary>HTTP/1 port of the OpenAI-compatible endpoint; 0 picks a free port.</summary>
    [Range(0, 65535)]
    public int HttpPort { get; set; } = 8104;

    /// <summary>Agent that takes a step when the policy service cannot answer; empty: the cheapest tier-0 agent.</summary>
    public string FallbackAgent { get; set; } = "";

    /// <summary>Prefix of every Redis key the executor writes (task state, step replays, the episode log).</summary>
    [Required]
    public string KeyPrefix { get; set; } = "routing:executor:";

    /// <summary>How long a routing decision may take before the fallback agent is used.</summary>
    [Range(10, 60_000)]
    public int PolicyTimeoutMilliseconds { get; set; } = 500;

    /// <summary>How long one budget call may take before the step is refused as unavailable.</summary>
    [Range(10, 60_000)]
    public int BudgetTimeoutMilliseconds { get; set; } = 2_000;

    /// <summary>The executor's own cap on one backend call (the backend applies its own, shorter, per attempt).</summary>
    [Range(1, 3_600)]
    public int BackendTimeoutSeconds { get; set; } = 120;

    /// <summary>Lease of a step's reservation: longer than the backend timeout, so a live call never loses it.</summary>
    [Range(2, 7_200)]
    public int LeaseSeconds { get; set; } = 180;

    /// <summary>
    /// How long a claimed idempotency key's owner may go without a heartbeat before a retry takes it for dead:
    /// settles its reservation at the reserved amount (an unknown outcome) and runs the step. The owner refreshes
    /// it every third of this while the step runs, so a key stays locked at most this long after its owner died.
    /// </summary>
    [Range(300, 600_000)]
    public int StepHeartbeatTtlMilliseconds { get; set; } = 5_000;

    /// <summary>Episode horizon assumed when a task is opened without one.</summary>
    [Range(1, 100_000)]
    public int DefaultHorizon { get; set; } = 32;

    /// <summary>Output cap of a step that names none (capped by each agent's own maximum).</summary>
    [Range(1, 1_000_000)]
    public int DefaultMaxTokens { get; set; } = 1_024;

    /// <summary>How long a task's state lives when opened without a TTL.</summary>
    [Range(60, 30 * 86_400)]
    public int TaskTtlSeconds { get; set; } = 86_400;

    /// <summary>Newest episode-log entries kept per tenant; older ones are trimmed as new ones arrive.</summary>
    [Range(1, 100_000_000)]
    public int EpisodeLogMaxEntries { get; set; } = 1_000_000;

    /// <summary>
    /// Input tokens every reservation assumes at least. 0 by default: the bound from the messages (the agent's
    /// tokenizer or the byte bound) holds for backends that bill the messages they are sent, and the simulator, which
    /// bills its simulated context instead, declares that context before each call (<c>IDeclaredPromptTokens</c>).
    /// </summary>
    [Range(0, 10_000_000)]
    public int InputTokenFloor { get; set; }

    /// <summary>Commit attempts after a successful backend call before the spend is parked for the background retrier.</summary>
    [Range(1, 20)]
    public int CommitAttempts { get; set; } = 3;
}
