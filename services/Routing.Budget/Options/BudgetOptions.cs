using System.ComponentModel.DataAnnotations;

namespace Routing.Budget.Options;

/// <summary>Budget ledger settings. Section <c>Routing:Budget</c>.</summary>
public sealed class BudgetOptions
{
    public const string SectionName = "Routing:Budget";

    /// <summary>Prefix of every Redis key the ledger writes.</summary>
    [Required]
    [RegularExpression(@"^[A-Za-z0-9:_.-]{1,64}$")]
    public string KeyPrefix { get; set; } = "routing:budget:";

    /// <summary>Lease of a reservation when the request names none.</summary>
    [Range(1, 86_400)]
    public int DefaultLeaseSeconds { get; set; } = 60;

    /// <summary>Longest lease a caller may ask for; a crashed caller holds budget at most this long.</summary>
    [Range(1, 86_400)]
    public int MaxLeaseSeconds { get; set; } = 3_600;

    /// <summary>Lifetime of a task's ledger in Redis when the request names none.</summary>
    [Range(60, 31_536_000)]
    public int DefaultTaskTtlSeconds { get; set; } = 86_400;

    /// <summary>Longest task lifetime a caller may ask for.</summary>
    [Range(60, 31_536_000)]
    public int MaxTaskTtlSeconds { get; set; } = 2_592_000;

    /// <summary>How often the background sweeper reclaims expired leases (the scripts also reclaim lazily).</summary>
    [Range(1, 3_600)]
    public int SweepIntervalSeconds { get; set; } = 5;

    /// <summary>Most expired leases one script call reclaims, so a backlog never makes one call slow.</summary>
    [Range(1, 10_000)]
    public int SweepBatchSize { get; set; } = 500;

    /// <summary>Distinct tenant label values on metrics before the rest are reported as <c>other</c>.</summary>
    [Range(1, 10_000)]
    public int MaxTenantLabels { get; set; } = 100;
}
