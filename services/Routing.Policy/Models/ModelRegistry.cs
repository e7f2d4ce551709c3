using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Routing.Policy.Metrics;
using Routing.Policy.Options;

namespace Routing.Policy.Models;

/// <summary>
/// The model versions of a directory (<c>&lt;version&gt;/model.onnx</c> + <c>manifest.json</c>) and which of
/// them serve. A reload validates what changed before it can serve; a version that fails validation never
/// replaces one that passed (the newest valid version serves, or the pinned one when it is valid), and the
/// set of serving versions is swapped atomically, so requests never see a half-loaded model.
/// </summary>
public sealed partial class ModelRegistry : IAsyncDisposable
{
    private readonly IOptionsMonitor<PolicyOptions> _options;
    private readonly ModelLoader _loader;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _reloadGate = new(1, 1);
    private readonly Dictionary<string, LoadedModel> _loaded = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RejectedEntry> _rejected = new(StringComparer.Ordinal);
    private ServingSet? _current;
    private IReadOnlyList<RejectedModel> _rejections = [];

    public ModelRegistry(IOptionsMonitor<PolicyOptions> options, ModelLoader loader, ILogger<ModelRegistry> logger)
    {
        _options = options;
        _loader = loader;
        _logger = logger;
    }

    /// <summary>Bundled default model directory, used when <see cref="PolicyOptions.ModelDirectory"/> is empty.</summary>
    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "DefaultModel");

    public string Directory => string.IsNullOrWhiteSpace(_options.CurrentValue.ModelDirectory)
        ? DefaultDirectory
        : Path.GetFullPath(_options.CurrentValue.ModelDirectory);

    /// <summary>The serving set, or null before the first successful load.</summary>
    public ServingSet? Current => Volatile.Read(ref _current);

    /// <summary>Versions that failed validation at the last reload, with the reason.</summary>
    public IReadOnlyList<RejectedModel> Rejections => Volatile.Read(ref _rejections);

    /// <summary>Rescans the directory; returns the serving set afterwards (unchanged when nothing valid changed).</summary>
    public async Task<ServingSet?> ReloadAsync(CancellationToken cancellationToken = default)
    {
        await _reloadGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.Run(Reload, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _reloadGate.Release();
        }
    }

    private ServingSet? Reload()
    {
        var options = _options.CurrentValue;
        var root = Directory;
        var present = ListVersions(root);
        var previous = Current;

        LoadedModel? primary = null;
        if (!string.IsNullOrEmpty(options.PrimaryVersion))
        {
            primary = Resolve(root, options.PrimaryVersion, present, options);
            if (primary is null && previous is not null)
            {
                LogPinnedUnavailable(_logger, options.PrimaryVersion, previous.Primary.Version);
                primary = previous.Primary;
            }
        }
        else
        {
            for (var i = present.Count - 1; i >= 0 && primary is null; i--)
            {
                primary = Resolve(root, present[i], present, options);
            }
            primary ??= previous?.Primary;
        }
        if (primary is null)
        {
            SnapshotRejections();
            return null;
        }
        var canary = string.IsNullOrEmpty(options.CanaryVersion) || options.CanaryWeight <= 0 ? null : Resolve(root, options.CanaryVersion, present, options);
        var shadow = string.IsNullOrEmpty(options.ShadowVersion) ? null : Resolve(root, options.ShadowVersion, present, options);
        if (ReferenceEquals(canary, primary))
        {
            canary = null;
        }

        var next = new ServingSet(primary, canary, options.CanaryWeight, shadow, SnapshotRejections());
        Volatile.Write(ref _current, next);
        PublishServing(previous, next);

        // Versions no longer serving are unloaded; their queued requests are answered first.
        var retire = new List<LoadedModel>();
        foreach (var (version, model) in _loaded)
        {
            if (!next.Contains(model))
            {
                retire.Add(model);
            }
        }
        foreach (var model in retire)
        {
            _loaded.Remove(model.Version);
            _ = RetireAsync(model);
        }
        return next;
    }

    private List<RejectedModel> SnapshotRejections()
    {
        var rejected = new List<RejectedModel>(_rejected.Count);
        foreach (var (version, entry) in _rejected)
        {
            rejected.Add(new RejectedModel(version, entry.Reason));
        }
        Volatile.Write(ref _rejections, rejected);
        return rejected;
    }

    /// <summary>The loaded, valid model of <paramref name="version"/>, loading or reloading it when its files changed.</summary>
    private LoadedModel? Resolve(string root, string version, List<string> present, PolicyOptions options)
    {
        _loaded.TryGetValue(version, out var loaded);
        if (!present.Contains(version))
        {
            if (loaded is not null)
            {
                PolicyMetrics.Reloads.WithLabels("removed").Inc();
                LogRemoved(_logger, version);
            }
            return null;
        }
        var directory = Path.Combine(root, version);
        var fingerprint = ModelLoader.Fingerprint(directory);
        if (loaded is not null && loaded.Fingerprint == fingerprint)
        {
            return loaded;
        }
        if (_rejected.TryGetValue(version, out var rejected) && rejected.Fingerprint == fingerprint)
        {
            return loaded;
        }
        try
        {
            var model = _loader.Load(directory, options.Batching);
            _rejected.Remove(version);
            _loaded[version] = model;
            PolicyMetrics.Reloads.WithLabels("loaded").Inc();
            LogLoaded(_logger, version, model.Manifest.Kind, model.Sha256, model.Session.ExecutionProvider);
            if (loaded is not null && !ReferenceEquals(loaded, model))
            {
                // The replaced instance may still be serving; it is retired once the new set is published.
                _ = RetireLaterAsync(loaded);
            }
            return model;
        }
        catch (ModelValidationException exception)
        {
            _rejected[version] = new RejectedEntry(fingerprint, exception.Message);
            PolicyMetrics.Reloads.WithLabels("rejected").Inc();
            LogRejected(_logger, version, exception.Message, loaded is null ? "nothing" : $"the previous {version}");
            return loaded;
        }
    }

    private async Task RetireLaterAsync(LoadedModel model)
    {
        // Give the reload that replaced it time to publish the new set; then nothing new reaches it.
        await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        if (Current?.Contains(model) != true)
        {
            await RetireAsync(model).ConfigureAwait(false);
        }
    }

    private async Task RetireAsync(LoadedModel model)
    {
        try
        {
            await model.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            LogRetireFailed(_logger, model.Version, exception);
        }
    }

    private static List<string> ListVersions(string root)
    {
        var versions = new List<string>();
        if (!System.IO.Directory.Exists(root))
        {
            return versions;
        }
        foreach (var directory in System.IO.Directory.EnumerateDirectories(root))
        {
            var name = Path.GetFileName(directory);
            if (VersionName().IsMatch(name))
            {
                versions.Add(name);
            }
        }
        versions.Sort(VersionOrder.Instance);
        return versions;
    }

    private static void PublishServing(ServingSet? previous, ServingSet next)
    {
        if (previous is not null)
        {
            PolicyMetrics.ServingVersion.WithLabels(previous.Primary.Version, "primary").Set(0);
            if (previous.Canary is { } oldCanary)
            {
                PolicyMetrics.ServingVersion.WithLabels(oldCanary.Version, "canary").Set(0);
            }
            if (previous.Shadow is { } oldShadow)
            {
                PolicyMetrics.ServingVersion.WithLabels(oldShadow.Version, "shadow").Set(0);
            }
        }
        PolicyMetrics.ServingVersion.WithLabels(next.Primary.Version, "primary").Set(1);
        if (next.Canary is { } canary)
        {
            PolicyMetrics.ServingVersion.WithLabels(canary.Version, "canary").Set(1);
        }
        if (next.Shadow is { } shadow)
        {
            PolicyMetrics.ServingVersion.WithLabels(shadow.Version, "shadow").Set(1);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _reloadGate.WaitAsync().ConfigureAwait(false);
        try
        {
            Volatile.Write(ref _current, null);
            foreach (var model in _loaded.Values)
            {
                await RetireAsync(model).ConfigureAwait(false);
            }
            _loaded.Clear();
        }
        finally
        {
            _reloadGate.Release();
        }
        _reloadGate.Dispose();
    }

    private sealed record RejectedEntry(string Fingerprint, string Reason);

    /// <summary>Names starting with '.' are staging or ConfigMap internals (..data), never versions.</summary>
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex VersionName();

    [LoggerMessage(Level = LogLevel.Information, Message = "Policy model {Version} loaded ({Kind}, sha256 {Sha256}, {Provider}).")]
    private static partial void LogLoaded(ILogger logger, string version, string kind, string sha256, string provider);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Policy model {Version} rejected: {Reason}. Still serving: {Kept}.")]
    private static partial void LogRejected(ILogger logger, string version, string reason, string kept);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Policy model {Version} was removed from the model directory.")]
    private static partial void LogRemoved(ILogger logger, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pinned primary version {Pinned} is not valid; {Serving} keeps serving.")]
    private static partial void LogPinnedUnavailable(ILogger logger, string pinned, string serving);

    [LoggerMessage(Level = LogLevel.Error, Message = "Retiring policy model {Version} failed.")]
    private static partial void LogRetireFailed(ILogger logger, string version, Exception exception);
}
