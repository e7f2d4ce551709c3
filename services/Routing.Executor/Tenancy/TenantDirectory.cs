using Microsoft.Extensions.Options;
using Routing.Executor.Options;

namespace Routing.Executor.Tenancy;

/// <summary>
/// Resolves API keys to tenants from the tenants file. The file is read at start (a bad file fails start-up)
/// and re-read when its modification time changes, checked at most every <see cref="RecheckInterval"/>, so a
/// rotated Secret takes effect without a restart; a bad new version is ignored and the last good one kept.
/// </summary>
public sealed class TenantDirectory
{
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(2);

    private readonly string _path;
    private readonly ILogger<TenantDirectory> _logger;
    private readonly Lock _reload = new();
    private TenantTable _table;
    private DateTime _lastWrite;
    private long _nextCheck;

    public TenantDirectory(IOptions<TenantsOptions> options, ILogger<TenantDirectory> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _path = options.Value.File;
        _logger = logger;
        if (!File.Exists(_path))
        {
            throw new InvalidOperationException($"{TenantsOptions.SectionName}:File: '{_path}' does not exist (the tenants' API-key hashes, see docs/executor.md)");
        }
        _lastWrite = File.GetLastWriteTimeUtc(_path);
        _table = TenantKeyFile.Parse(File.ReadAllText(_path), $"{TenantsOptions.SectionName}:File '{_path}'");
        _nextCheck = Environment.TickCount64 + (long)RecheckInterval.TotalMilliseconds;
    }

    /// <summary>The tenant whose key this is, or null.</summary>
    public string? TenantOf(string apiKey)
    {
        ReloadIfChanged();
        return _table.ByHash.GetValueOrDefault(ApiKeyHash.Of(apiKey));
    }

    /// <summary>The tenant's settings from the file (its default budgets); <see cref="TenantSettings.None"/> for none.</summary>
    public TenantSettings SettingsOf(string tenant) => _table.Settings.GetValueOrDefault(tenant, TenantSettings.None);

    private void ReloadIfChanged()
    {
        var now = Environment.TickCount64;
        if (now < Volatile.Read(ref _nextCheck) || !_reload.TryEnter())
        {
            return;
        }
        try
        {
            _nextCheck = now + (long)RecheckInterval.TotalMilliseconds;
            var lastWrite = File.Exists(_path) ? File.GetLastWriteTimeUtc(_path) : _lastWrite;
            if (lastWrite == _lastWrite)
            {
                return;
            }
            _table = TenantKeyFile.Parse(File.ReadAllText(_path), _path);
            _lastWrite = lastWrite;
            _logger.LogInformation("Reloaded tenants file {Path}", _path);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            _logger.LogError(e, "Tenants file {Path} could not be reloaded; keeping the previous keys", _path);
        }
        finally
        {
            _reload.Exit();
        }
    }
}
