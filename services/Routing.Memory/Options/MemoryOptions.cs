using System.ComponentModel.DataAnnotations;

namespace Routing.Memory.Options;

/// <summary>Auction memory settings. Section <c>Routing:Memory</c>.</summary>
public sealed class MemoryOptions
{
    public const string SectionName = "Routing:Memory";

    /// <summary>Prefix of every Redis key the memory writes.</summary>
    [Required]
    [RegularExpression(@"^[A-Za-z0-9:_.-]{1,64}$")]
    public string KeyPrefix { get; set; } = "routing:memory:";

    /// <summary>Most auctions kept per tenant; recording one more evicts the oldest in the same atomic step.</summary>
    [Range(1, 10_000_000)]
    public int MaxRecordsPerTenant { get; set; } = 100_000;

    /// <summary>Age after which an auction is dropped (and no longer retrieved); 0 keeps auctions until evicted by the cap.</summary>
    [Range(0, 315_360_000)]
    public int RecordTtlSeconds { get; set; }

    /// <summary>Dimension of the built-in text encoder's vectors. Changing it makes existing built-in tenants refuse text.</summary>
    [Range(16, 4_096)]
    public int EncoderDimension { get; set; } = 384;

    /// <summary>Largest caller-supplied embedding.</summary>
    [Range(1, 16_384)]
    public int MaxEmbeddingDimension { get; set; } = 4_096;

    /// <summary>Largest task text, in UTF-8 bytes.</summary>
    [Range(1, 1_048_576)]
    public int MaxTaskTextBytes { get; set; } = 16_384;

    /// <summary>Largest strategy plan of one bid, in UTF-8 bytes.</summary>
    [Range(1, 1_048_576)]
    public int MaxStrategyBytes { get; set; } = 16_384;

    /// <summary>Most bids (refined ones included) in one auction.</summary>
    [Range(1, 1_024)]
    public int MaxBids { get; set; } = 64;

    /// <summary>Largest k a retrieval may ask for.</summary>
    [Range(1, 10_000)]
    public int MaxK { get; set; } = 256;

    /// <summary>How often each replica reads which tenants changed; bounds how stale another replica's writes can be.</summary>
    [Range(10, 5_000)]
    public int ChangePollMilliseconds { get; set; } = 100;

    /// <summary>
    /// Changes kept in each tenant's log; a replica that falls further behind on a tenant reloads that tenant (only
    /// that one), so the log need not be long: its Redis memory grows with the number of tenants.
    /// </summary>
    [Range(1_000, 100_000_000)]
    public int ChangeLogLength { get; set; } = 10_000;

    /// <summary>How often expired auctions are removed when <see cref="RecordTtlSeconds"/> is set.</summary>
    [Range(1, 3_600)]
    public int SweepIntervalSeconds { get; set; } = 10;

    /// <summary>Distinct tenant label values on metrics before the rest are reported as <c>other</c>.</summary>
    [Range(1, 10_000)]
    public int MaxTenantLabels { get; set; } = 100;
}
