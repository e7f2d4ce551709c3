using System.ComponentModel.DataAnnotations;

namespace Routing.Executor.Options;

/// <summary>
/// Where the episode log lives and how much of it is kept. Section <c>Routing:EpisodeLog</c>. The log is for
/// training and audit, never for money: it is bounded per tenant so that a busy tenant cannot fill the Redis
/// that holds the ledgers, and it may live on a Redis of its own.
/// </summary>
public sealed class EpisodeLogOptions
{
    public const string SectionName = "Routing:EpisodeLog";

    /// <summary>StackExchange.Redis connection string of a Redis for the log alone; empty: the service's main Redis.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// Bytes of log lines kept per tenant (about 900 B a line: 64 MiB ≈ 70,000 steps); the oldest lines go
    /// first. Redis spends some more per line on list overhead and the size index.
    /// </summary>
    [Range(64 * 1024, 64L * 1024 * 1024 * 1024)]
    public long MaxBytesPerTenant { get; set; } = 64L * 1024 * 1024;

    /// <summary>Age after which a line is trimmed, and after which an idle tenant's whole log expires.</summary>
    [Range(1, 24 * 365)]
    public int MaxAgeHours { get; set; } = 7 * 24;
}
