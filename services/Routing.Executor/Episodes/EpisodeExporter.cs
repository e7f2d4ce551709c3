using System.Text;
using StackExchange.Redis;

namespace Routing.Executor.Episodes;

/// <summary>Reads the episode log back, oldest first, as the JSONL lines it stores (docs/episodes.md).</summary>
public static class EpisodeExporter
{
    private const int PageSize = 1_000;

    /// <summary>Writes every record of <paramref name="tenants"/> (all tenants with a log when null); returns the count.</summary>
    public static async Task<long> ExportAsync(IDatabase db, string prefix, IReadOnlyCollection<string>? tenants, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(output);
        var names = tenants ?? (await db.SetMembersAsync(EpisodeLog.TenantsKey(prefix))).Select(v => (string)v!).Order(StringComparer.Ordinal).ToArray();
        long written = 0;
        foreach (var tenant in names)
        {
            var key = EpisodeLog.EpisodesKey(prefix, tenant);
            // Entries may be trimmed from the head while reading; paging from the head by index could then skip
            // some, so the exporter reads a snapshot length first and accepts that trimmed ones are gone.
            var length = await db.ListLengthAsync(key);
            for (long start = 0; start < length; start += PageSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var page = await db.ListRangeAsync(key, start, Math.Min(length, start + PageSize) - 1);
                foreach (var entry in page)
                {
                    await output.WriteLineAsync(Encoding.UTF8.GetString((byte[])entry!));
                    written++;
                }
            }
        }
        return written;
    }
}
