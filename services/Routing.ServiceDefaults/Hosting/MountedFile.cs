using System.Security.Cryptography;
using System.Text;

namespace Routing.ServiceDefaults.Hosting;

/// <summary>
/// A file mounted into the pod (a ConfigMap or Secret key) whose content is applied whenever it changes: the agent
/// pool, SALE's weights. Each <see cref="Poll"/> reads the file and hands new content to an apply callback.
/// </summary>
/// <remarks>
/// Changes are told by a hash of the content, not by write times or file watchers: Kubernetes updates a mounted
/// ConfigMap by writing a new timestamped directory and atomically swapping the <c>..data</c> symlink, so the key's
/// own path and its symlink never change, and inotify reports events on the links (or nothing) rather than on the
/// file. Opening the path follows the symlinks to whatever they point at now, so every read sees the current
/// version. Bad content is remembered like good content, so one bad edit is reported once and not on every poll;
/// an unreadable file is reported once per distinct error.
/// </remarks>
public sealed class MountedFile
{
    private readonly Lock _gate = new();
    private byte[]? _seenHash;
    private bool _seenApplied;
    private string? _unreadable;

    /// <param name="path">The file's path; a relative one is taken from the working directory now, not at each read.</param>
    public MountedFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
    }

    public string Path { get; }

    /// <summary>Whether the file's content, as last read, is applied: false before the first good read, after a refused one and while the file is unreadable.</summary>
    public bool IsCurrent
    {
        get
        {
            lock (_gate)
            {
                return _unreadable is null && _seenApplied;
            }
        }
    }

    /// <summary>
    /// Reads the file now (UTF-8, with or without a byte order mark) and, when its content differs from the last
    /// content read, calls <paramref name="apply"/> with it. Polls are serialised, so an apply callback never runs
    /// twice at once for one file.
    /// </summary>
    /// <param name="apply">Applies the content; returns the problems that kept it from being applied (empty when applied).</param>
    /// <param name="unreadable">Called with the error when the file cannot be read, once per distinct error in a row.</param>
    public MountedFilePoll Poll(Func<string, IReadOnlyList<string>> apply, Action<string> unreadable)
    {
        ArgumentNullException.ThrowIfNull(apply);
        ArgumentNullException.ThrowIfNull(unreadable);
        lock (_gate)
        {
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(Path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (e.Message != _unreadable)
                {
                    _unreadable = e.Message;
                    unreadable(e.Message);
                }

                return MountedFilePoll.Unreadable;
            }

            // Readable again: a later failure, even with the same message, is news and is reported again. Content
            // that comes back unchanged after an unreadable spell is still the content applied (or refused) before.
            _unreadable = null;
            var hash = SHA256.HashData(bytes);
            if (_seenHash is not null && hash.AsSpan().SequenceEqual(_seenHash))
            {
                return MountedFilePoll.Unchanged;
            }

            // Remembered before applying, so that content the callback refuses is reported once.
            _seenHash = hash;
            var content = bytes.AsSpan();
            if (content.StartsWith(Encoding.UTF8.Preamble))
            {
                content = content[Encoding.UTF8.Preamble.Length..];
            }

            _seenApplied = apply(Encoding.UTF8.GetString(content)).Count == 0;
            return _seenApplied ? MountedFilePoll.Applied : MountedFilePoll.Refused;
        }
    }

    /// <summary>Polls every <paramref name="interval"/> until <paramref name="stoppingToken"/> is cancelled (the first poll one interval from now).</summary>
    public async Task PollEveryAsync(TimeSpan interval, Func<string, IReadOnlyList<string>> apply, Action<string> unreadable, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                Poll(apply, unreadable);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }
}
