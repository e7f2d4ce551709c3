using Microsoft.Extensions.Options;
using Routing.Executor.Options;
using Routing.ServiceDefaults.Hosting;

namespace Routing.Executor.Tenancy;

/// <summary>
/// Resolves API keys to tenants from the tenants file. The file is read at start (a bad file fails start-up)
/// and polled as a <see cref="MountedFile"/> at most every <see cref="RecheckInterval"/>, on access, so a rotated
/// Secret takes effect without a restart; a bad new version is logged once, ignored and the last good one kept.
/// Changes are told by content, not modification time: the kubelet's <c>..data</c> swap leaves the key's times as they were.
/// </summary>
public sealed class TenantDirectory
{
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(2);

    private readonly MountedFile _file;
    private readonly ILogger<TenantDirectory> _logger;
    private readonly Lock _reload = new();
    private TenantTable _table = null!;
    private long _nextCheck;

    public TenantDirectory(IOptions<TenantsOptions> options, ILogger<TenantDirectory> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var path = options.Value.File;
        _logger = logger;
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{TenantsOptions.SectionName}:File: '{path}' does not exist (the tenants' API-key hashes, see docs/executor.md)");
        }
        _file = new MountedFile(path);
        // At start a bad file throws out of the poll (naming the setting) and stops start-up.
        _file.Poll(
            text =>
            {
                _table = TenantKeyFile.Parse(text, $"{TenantsOptions.SectionName}:File '{path}'");
                return [];
            },
            problem => throw new InvalidOperationException($"{TenantsOptions.SectionName}:File: '{path}' could not be read: {problem}"));
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
            _file.Poll(Apply, problem => _logger.LogError("Tenants file {Path} could not be read ({Problem}); keeping the previous keys", _file.Path, problem));
        }
        finally
        {
            _reload.Exit();
        }
    }

    private IReadOnlyList<string> Apply(string text)
    {
        try
        {
            _table = TenantKeyFile.Parse(text, _file.Path);
            _logger.LogInformation("Reloaded tenants file {Path}", _file.Path);
            return [];
        }
        catch (InvalidDataException e)
        {
            _logger.LogError(e, "Tenants file {Path} could not be reloaded; keeping the previous keys", _file.Path);
            return [e.Message];
        }
    }
}
