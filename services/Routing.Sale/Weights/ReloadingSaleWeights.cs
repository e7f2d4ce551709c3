using System.Security.Cryptography;
using System.Text;
using Routing.Sale.Scoring;

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
/// Changes are told by the content's hash, not the write time: a ConfigMap update writes a new directory and
/// swaps the <c>..data</c> symlink, leaving the key's own symlink (and the time stat reports for it) as it was.
/// </summary>
public sealed class ReloadingSaleWeights : ISaleWeightsSource, IDisposable
{
    private readonly string _path;
    private readonly FileSystemWatcher? _watcher;
    private readonly Timer _poll;
    private readonly Lock _gate = new();
    private SaleWeights _current;
    private string _seen;

    public ReloadingSaleWeights(string path, TimeSpan? pollInterval = null)
    {
        _path = Path.GetFullPath(path);
        var text = File.ReadAllText(_path);
        _current = SaleWeightsFile.Parse(text).ToWeights();
        _seen = Hash(text);
        var directory = Path.GetDirectoryName(_path)!;
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
        lock (_gate)
        {
            try
            {
                // Opening the path follows the ConfigMap's symlinks to whatever they point at now.
                var text = File.ReadAllText(_path);
                var hash = Hash(text);
                if (hash == _seen)
                {
                    return;
                }

                // Remembered before parsing, so that a bad file is reported once, not on every poll.
                _seen = hash;
                var weights = SaleWeightsFile.Parse(text).ToWeights();
                Volatile.Write(ref _current, weights);
                LastError = null;
                applied = weights;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or System.Text.Json.JsonException or UnauthorizedAccessException)
            {
                LastError = $"{_path}: {e.Message}";
            }
        }

        if (applied is not null)
        {
            Reloaded?.Invoke(applied);
        }
    }

    private static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    public void Dispose()
    {
        _watcher?.Dispose();
        _poll.Dispose();
    }
}
