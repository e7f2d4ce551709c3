using Routing.Sale.Scoring;
using Routing.ServiceDefaults.Hosting;

namespace Routing.Sale.Weights;

/// <summary>Where an auction gets its weights at the moment it scores.</summary>
public interface ISaleWeightsSource
{
    SaleWeights Current { get; }
}

/// <summary>Fixed weights (tests, benchmarks, a pool without a trained file).</summary>
public sealed class FixedSaleWeights(SaleWeights weights) : ISaleWeightsSource
{
    public SaleWeights Current { get; } = weights;
}

/// <summary>
/// The weights file, reloaded when it changes (a ConfigMap update, a new training run). A file that fails to
/// parse or validate keeps the last good weights and is reported in <see cref="LastError"/>; the first load
/// must succeed. A watcher notices changes quickly; a poll catches what watchers miss on mounted volumes.
/// Both read through a <see cref="MountedFile"/>, which tells changes by the content's hash, not the write time
/// (the kubelet's <c>..data</c> symlink swap leaves the key's own link and its times as they were), and reports
/// a bad version once.
/// </summary>
public sealed class ReloadingSaleWeights : ISaleWeightsSource, IDisposable
{
    private readonly MountedFile _file;
    private readonly FileSystemWatcher? _watcher;
    private readonly Timer _poll;
    private SaleWeights _current = null!;

    public ReloadingSaleWeights(string path, TimeSpan? pollInterval = null)
    {
        _file = new MountedFile(path);
        switch (_file.Poll(Apply, Unreadable))
        {
            case MountedFilePoll.Unreadable:
                throw new IOException(LastError);
            case MountedFilePoll.Refused:
                throw new InvalidDataException(LastError);
        }

        var directory = Path.GetDirectoryName(_file.Path)!;
        try
        {
            _watcher = new FileSystemWatcher(directory) { IncludeSubdirectories = false, EnableRaisingEvents = true };
            _watcher.Changed += (_, _) => Reload();
            _watcher.Created += (_, _) => Reload();
            _watcher.Renamed += (_, _) => Reload();
        }
        catch (IOException)
        {
            _watcher = null;
        }

        var interval = pollInterval ?? TimeSpan.FromSeconds(10);
        _poll = new Timer(_ => Reload(), null, interval, interval);
    }

    public SaleWeights Current => Volatile.Read(ref _current);

    /// <summary>Why the last change to the file was not applied; null after a good load.</summary>
    public string? LastError { get; private set; }

    /// <summary>Raised after new weights were applied.</summary>
    public event Action<SaleWeights>? Reloaded;

    /// <summary>Reloads now if the file changed since the last load (also what the watcher and the poll call).</summary>
    public void Reload()
    {
        SaleWeights? applied = null;
        var outcome = _file.Poll(
            text =>
            {
                var problems = Apply(text);
                applied = problems.Count == 0 ? Current : null;
                return problems;
            },
            Unreadable);
        if (outcome == MountedFilePoll.Applied && applied is not null)
        {
            Reloaded?.Invoke(applied);
        }
    }

    private IReadOnlyList<string> Apply(string text)
    {
        try
        {
            Volatile.Write(ref _current, SaleWeightsFile.Parse(text).ToWeights());
            LastError = null;
            return [];
        }
        catch (Exception e) when (e is InvalidDataException or System.Text.Json.JsonException)
        {
            LastError = $"{_file.Path}: {e.Message}";
            return [LastError];
        }
    }

    private void Unreadable(string problem) => LastError = $"{_file.Path}: {problem}";

    public void Dispose()
    {
        _watcher?.Dispose();
        _poll.Dispose();
    }
}
