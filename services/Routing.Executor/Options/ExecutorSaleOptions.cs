using System.ComponentModel.DataAnnotations;
using Routing.Sale.Auction;

namespace Routing.Executor.Options;

/// <summary>The executor's SALE auctions (docs/sale.md). Section <c>Routing:Executor:Sale</c>.</summary>
public sealed class ExecutorSaleOptions
{
    public const string SectionName = "Routing:Executor:Sale";

    // The per-call caps default to the library's own (AuctionOptions), so the executor cannot drift from docs/sale.md.
    private static readonly AuctionOptions LibraryDefaults = new();

    /// <summary>Fitted weights (<c>routing train sale-weights</c>), hot-reloaded; empty: the untrained neutral weights.</summary>
    public string WeightsFile { get; set; } = "";

    /// <summary>Run the auction when a task is opened (OpenTask answers with it); off: only the <c>Auction</c> RPC runs one.</summary>
    public bool AuctionOnOpen { get; set; }

    /// <summary>Domain the prompts name for auctions run on open (the RPC takes its own).</summary>
    [MaxLength(64)]
    public string DefaultDomain { get; set; } = "";

    /// <summary>Output cap of a bid or refined bid (library default 200).</summary>
    [Range(16, 4096)]
    public int PlanMaxTokens { get; set; } = LibraryDefaults.PlanMaxTokens;

    /// <summary>Ceiling on one juror's verdict; each call asks for 10 tokens per plan + 16, at most this (library default 256).</summary>
    [Range(4, 1024)]
    public int JuryMaxTokens { get; set; } = LibraryDefaults.JuryMaxTokens;

    [Range(0, 20)]
    public int TopLogprobs { get; set; } = LibraryDefaults.TopLogprobs;

    [Range(1, 256)]
    public int MaxConcurrency { get; set; } = 8;

    /// <summary>Per auction call; a call past it is a failed bid or missing votes.</summary>
    [Range(1, 600)]
    public int CallTimeoutSeconds { get; set; } = 30;

    [Range(1, 256)]
    public int MemoryK { get; set; } = 8;

    [Range(1, 64)]
    public int PairsPerTask { get; set; } = 1;

    /// <summary>Memory-driven refinement of cheaper agents' bids (off: "SALE without memory"; auctions are still recorded).</summary>
    public bool Refinement { get; set; } = true;

    [Range(0.0, 2.0)]
    public double Temperature { get; set; } = 0.7;

    /// <summary>Deadline of each memory-service call.</summary>
    [Range(50, 60_000)]
    public int MemoryTimeoutMilliseconds { get; set; } = 5_000;

    /// <summary>
    /// UTF-8 bytes per plan token the reservation assumes when it bounds the jury and refine prompts, which quote
    /// plans it has not seen yet (English plans run at about 4). A prompt that would exceed the reserved envelope
    /// anyway is not sent (the call fails as a missing vote or failed refinement), so this only trades reserved
    /// budget against such refusals; it never lets a call spend unreserved money.
    /// </summary>
    [Range(1, 64)]
    public int AssumedBytesPerPlanToken { get; set; } = 6;

    /// <summary>UTF-8 bytes the reservation assumes per past task text quoted in a refine prompt.</summary>
    [Range(0, 65_536)]
    public int AssumedPastTaskBytes { get; set; } = 2_048;

    /// <summary>The library's options; the fallback agent is the executor's own <c>Routing:Executor:FallbackAgent</c>.</summary>
    public AuctionOptions ToAuctionOptions(string fallbackAgent) => new()
    {
        PlanMaxTokens = PlanMaxTokens,
        JuryMaxTokens = JuryMaxTokens,
        TopLogprobs = TopLogprobs,
        MaxConcurrency = MaxConcurrency,
        CallTimeout = TimeSpan.FromSeconds(CallTimeoutSeconds),
        MemoryK = MemoryK,
        PairsPerTask = PairsPerTask,
        Refinement = Refinement,
        Temperature = Temperature,
        FallbackAgent = string.IsNullOrEmpty(fallbackAgent) ? null : fallbackAgent,
    };
}
