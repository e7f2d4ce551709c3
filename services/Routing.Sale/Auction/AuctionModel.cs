using Routing.Backends;
using Routing.Sale.Scoring;

namespace Routing.Sale.Auction;

/// <summary>An agent taking part in an auction: its definition (name, prices) and the backend that serves it.</summary>
public sealed record AuctionAgent(AgentDefinition Definition, IChatBackend Backend)
{
    public string Name => Definition.Name;

    /// <summary>π in µ$ per million tokens: the mean of input and output price.</summary>
    public double MeanPrice => (Definition.PriceInMicrosPerMTok + Definition.PriceOutMicrosPerMTok) / 2.0;
}

/// <summary>One task to auction.</summary>
public sealed record AuctionRequest
{
    /// <summary>Memory namespace.</summary>
    public required string Tenant { get; init; }

    /// <summary>Idempotency key of the auction's memory record.</summary>
    public required string AuctionId { get; init; }

    public required string TaskText { get; init; }

    public string Domain { get; init; } = "";

    /// <summary>The routing task id, sent with every call (<see cref="ChatCall.TaskId"/> and metadata <c>task_id</c>).</summary>
    public string? TaskId { get; init; }

    /// <summary>The pool, any order; the auction orders by price where it matters.</summary>
    public required IReadOnlyList<AuctionAgent> Agents { get; init; }
}

/// <summary>A bid as the auction saw it: the plan, its features and score, or why the agent has no bid.</summary>
public sealed record ScoredBid
{
    public required string Agent { get; init; }

    public bool Refined { get; init; }

    /// <summary>The plan; empty when the call failed.</summary>
    public string Plan { get; init; } = "";

    /// <summary>Why there is no bid (backend failure, timeout, empty plan); null for a bid.</summary>
    public string? Failure { get; init; }

    public BidFeatures? Features { get; init; }

    /// <summary>Why <see cref="BidFeatures.Entropy"/> is null ("no log-probs returned" …); null when measured.</summary>
    public string? EntropyNote { get; init; }

    public BidScore Score { get; init; }

    public bool Valid => Failure is null && Features is not null;
}

/// <summary>Jury bookkeeping: valid votes, and votes excluded because the answer was unusable or never came.</summary>
public readonly record struct JuryTally(int Counted, int Invalid, int Missing)
{
    public static JuryTally operator +(JuryTally a, JuryTally b) => new(a.Counted + b.Counted, a.Invalid + b.Invalid, a.Missing + b.Missing);
}

/// <summary>Tokens and money the auction itself spent (bids, jury, retrieval-driven refinement), over all calls.</summary>
public readonly record struct AuctionOverhead(int Calls, long PromptTokens, long CompletionTokens, long CostMicros)
{
    public long Tokens => PromptTokens + CompletionTokens;

    public static AuctionOverhead operator +(AuctionOverhead a, AuctionOverhead b) =>
        new(a.Calls + b.Calls, a.PromptTokens + b.PromptTokens, a.CompletionTokens + b.CompletionTokens, a.CostMicros + b.CostMicros);
}

/// <summary>The auction's phases, as its overhead is broken down (people tuning SALE need to see which one costs).</summary>
public enum AuctionPhase
{
    /// <summary>First-round bids (one call per agent).</summary>
    Bid,

    /// <summary>The jury on the first-round plans (one call per juror).</summary>
    Jury,

    /// <summary>Refined bids of the agents cheaper than the provisional winner (one call each).</summary>
    Refine,

    /// <summary>The jury on the refined plans (one call per juror).</summary>
    RefineJury,
}

/// <summary>An auction's overhead per phase; <see cref="Total"/> is what <see cref="AuctionResult.Overhead"/> reports.</summary>
public readonly record struct AuctionPhaseOverhead(AuctionOverhead Bid, AuctionOverhead Jury, AuctionOverhead Refine, AuctionOverhead RefineJury)
{
    public AuctionOverhead Total => Bid + Jury + Refine + RefineJury;

    public AuctionOverhead this[AuctionPhase phase] => phase switch
    {
        AuctionPhase.Bid => Bid,
        AuctionPhase.Jury => Jury,
        AuctionPhase.Refine => Refine,
        AuctionPhase.RefineJury => RefineJury,
        _ => throw new ArgumentOutOfRangeException(nameof(phase), phase, "unknown auction phase"),
    };

    public AuctionPhaseOverhead Add(AuctionPhase phase, AuctionOverhead overhead) => phase switch
    {
        AuctionPhase.Bid => this with { Bid = Bid + overhead },
        AuctionPhase.Jury => this with { Jury = Jury + overhead },
        AuctionPhase.Refine => this with { Refine = Refine + overhead },
        AuctionPhase.RefineJury => this with { RefineJury = RefineJury + overhead },
        _ => throw new ArgumentOutOfRangeException(nameof(phase), phase, "unknown auction phase"),
    };

    public static AuctionPhaseOverhead operator +(AuctionPhaseOverhead a, AuctionPhaseOverhead b) =>
        new(a.Bid + b.Bid, a.Jury + b.Jury, a.Refine + b.Refine, a.RefineJury + b.RefineJury);
}

/// <summary>Everything an auction decided and why; what the executor returns and the step router reads as features.</summary>
public sealed record AuctionResult
{
    public required string AuctionId { get; init; }

    public required string WeightsVersion { get; init; }

    public required string PromptVersion { get; init; }

    /// <summary>First-round bids of every agent, failed ones included.</summary>
    public required IReadOnlyList<ScoredBid> Bids { get; init; }

    public IReadOnlyList<ScoredBid> RefinedBids { get; init; } = [];

    /// <summary>The agent that owns the task.</summary>
    public required string Winner { get; init; }

    /// <summary>The winning plan; empty on fallback.</summary>
    public string WinnerPlan { get; init; } = "";

    public bool WinnerRefined { get; init; }

    /// <summary>The agent the first round picked, before refinement.</summary>
    public string? ProvisionalWinner { get; init; }

    /// <summary>Set when no bid was valid and the configured fallback agent was chosen.</summary>
    public string? FallbackReason { get; init; }

    public JuryTally Jury { get; init; }

    /// <summary>
    /// Refined bids whose jury round was skipped because none could beat the provisional winner even with every
    /// vote at its best (<see cref="AuctionOptions.SkipHopelessRefinedJury"/>); their scores carry no votes. 0 when
    /// the refined bids were judged or there were none.
    /// </summary>
    public int RefinedJurySkipped { get; init; }

    /// <summary>Over every call of the auction: <see cref="OverheadByPhase"/>'s total.</summary>
    public AuctionOverhead Overhead => OverheadByPhase.Total;

    public AuctionPhaseOverhead OverheadByPhase { get; init; }

    /// <summary>What happened with memory (refinement skipped, retrieval failed, record failed …), in order.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    public bool Recorded { get; init; }
}
