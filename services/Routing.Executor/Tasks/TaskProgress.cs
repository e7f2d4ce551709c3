using System.Globalization;
using Routing.Features;
using StackExchange.Redis;

namespace Routing.Executor.Tasks;

/// <summary>An episode's state as the executor keeps it between steps (one Redis hash per task).</summary>
public sealed record TaskProgress
{
    public required long LimitMicros { get; init; }

    /// <summary>Null when the task has no large-call cap.</summary>
    public int? LargeCallCap { get; init; }

    public required int Horizon { get; init; }

    public string TaskText { get; init; } = "";

    /// <summary>Remaining budget as the ledger last reported it (after the previous step's commit).</summary>
    public long RemainingMicros { get; init; }

    public int? LargeCallsLeft { get; init; }

    /// <summary>Steps started, including the one being begun.</summary>
    public int Started { get; init; }

    /// <summary>Steps finished.</summary>
    public int Steps { get; init; }

    public int LargeCalls { get; init; }

    public PreviousAction LastAction { get; init; }

    public PreviousAction ActionBeforeLast { get; init; }

    public int RecentErrorBits { get; init; }

    /// <summary>Most retries of one step the task state keeps: two bits per step of the three-step window.</summary>
    public const int MaxRetriesPerStep = 3;

    /// <summary>Retry counts of the last three steps, two bits (0-<see cref="MaxRetriesPerStep"/>) each, newest lowest.</summary>
    public int RecentRetryCounts { get; init; }

    public int SmallFailures { get; init; }

    public bool LastStepFailed { get; init; }

    public bool Completed { get; init; }

    public bool? Success { get; init; }

    public double? Score { get; init; }

    /// <summary>The SALE auction that assigned the task (its id in the memory service); null when none ran.</summary>
    public string? AuctionId { get; init; }

    public string? AuctionWinner { get; init; }

    /// <summary>Whether the memory service holds the auction (so its outcome can be recorded there).</summary>
    public bool AuctionRecorded { get; init; }

    /// <summary>What the step features see of the auction (schema v1 slots 20-22).</summary>
    public AuctionOutcome? Auction { get; init; }

    /// <summary>The numeric feature state of the step this state begins.</summary>
    public StepState ToStepState(int contextTokens, double? selfConfidence) => new()
    {
        LimitMicros = LimitMicros,
        SpentMicros = Math.Max(0, LimitMicros - RemainingMicros),
        RemainingMicros = RemainingMicros,
        StepIndex = Math.Max(0, Started - 1),
        Horizon = Horizon,
        ContextTokens = contextTokens,
        LastAction = LastAction,
        ActionBeforeLast = ActionBeforeLast,
        LargeCallsSoFar = LargeCalls,
        RecentErrors = int.PopCount(RecentErrorBits),
        RecentRetries = (RecentRetryCounts & 3) + ((RecentRetryCounts >> 2) & 3) + ((RecentRetryCounts >> 4) & 3),
        SmallModelFailures = SmallFailures,
        LastStepFailed = LastStepFailed,
        SelfConfidence = selfConfidence,
        LargeCallCap = LargeCallCap,
        LargeCallsLeft = LargeCallsLeft,
        Auction = Auction,
    };

    /// <summary>Parses the flat HGETALL reply the task scripts return.</summary>
    public static TaskProgress Parse(RedisResult flat)
    {
        var items = (RedisResult[])flat!;
        var fields = new Dictionary<string, string>(items.Length / 2, StringComparer.Ordinal);
        for (var i = 0; i + 1 < items.Length; i += 2)
        {
            fields[(string)items[i]!] = (string?)items[i + 1] ?? "";
        }
        long Long(string name) => fields.TryGetValue(name, out var v) && v.Length > 0 ? long.Parse(v, CultureInfo.InvariantCulture) : 0;
        int Int(string name) => (int)Long(name);
        int? Optional(string name) => Long(name) is var v && v >= 0 ? (int)v : null;
        return new TaskProgress
        {
            LimitMicros = Long("limit"),
            LargeCallCap = Optional("cap"),
            Horizon = Int("horizon"),
            TaskText = fields.GetValueOrDefault("text", ""),
            RemainingMicros = Long("remaining"),
            LargeCallsLeft = Optional("large_left"),
            Started = Int("started"),
            Steps = Int("steps"),
            LargeCalls = Int("large"),
            LastAction = (PreviousAction)Int("last"),
            ActionBeforeLast = (PreviousAction)Int("before_last"),
            RecentErrorBits = Int("errors"),
            RecentRetryCounts = Int("retry_counts"),
            SmallFailures = Int("small_failures"),
            LastStepFailed = Int("last_failed") == 1,
            Completed = Int("completed") == 1,
            Success = fields.TryGetValue("success", out var s) && s.Length > 0 ? s == "1" : null,
            Score = fields.TryGetValue("score", out var score) && score.Length > 0 ? double.Parse(score, CultureInfo.InvariantCulture) : null,
            AuctionId = fields.TryGetValue("auction_id", out var auction) && auction.Length > 0 ? auction : null,
            AuctionWinner = fields.GetValueOrDefault("auction_winner"),
            AuctionRecorded = Int("auction_recorded") == 1,
            Auction = fields.TryGetValue("auction_id", out var id) && id.Length > 0
                ? new AuctionOutcome(Int("auction_rank"), Int("auction_pool"), double.Parse(fields.GetValueOrDefault("auction_margin", "0"), CultureInfo.InvariantCulture))
                : null,
        };
    }
}
