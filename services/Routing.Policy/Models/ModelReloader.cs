using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Routing.Policy.Inference;
using Routing.Policy.Options;

namespace Routing.Policy.Models;

/// <summary>
/// Loads the model directory on start (start-up fails when nothing valid is there, or when CUDA is asked for
/// and absent), then reloads on file-system notifications, on configuration changes and on a poll interval.
/// </summary>
public sealed partial class ModelReloader : IHostedService, IDisposable
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(200);

    private readonly ModelRegistry _registry;
    private readonly SessionFactory _sessions;
    private readonly IOptionsMonitor<PolicyOptions> _options;
    private readonly ILogger _logger;
    private readonly Channel<bool> _signals = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stopping = new();
    private FileSystemWatcher? _watcher;
    private IDisposable? _optionsSubscription;
    private Task? _loop;

    public ModelReloader(ModelRegistry registry, SessionFactory sessions, IOptionsMonitor<PolicyOptions> options, ILogger<ModelReloader> logger)
    {
        _registry = registry;
        _sessions = sessions;
        _options = options;
        _logger = logger;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _sessions.EnsureResolved();
        var set = await _registry.ReloadAsync(cancellationToken).ConfigureAwait(false);
        if (set is null)
        {
            var reasons = _registry.Rejections;
            throw new InvalidOperationException(
                $"No valid policy model in {_registry.Directory} ({PolicyOptions.SectionName}:ModelDirectory" +
                (string.IsNullOrEmpty(_options.CurrentValue.PrimaryVersion) ? "" : $", pinned {PolicyOptions.SectionName}:PrimaryVersion={_options.CurrentValue.PrimaryVersion}") +
                "). Each version needs model.onnx and manifest.json." +
                (reasons.Count == 0 ? " The directory holds no version." : " Rejected: " + string.Join("; ", reasons.Select(r => $"{r.Version}: {r.Reason}"))));
        }
        _watcher = CreateWatcher(_registry.Directory);
        _optionsSubscription = _options.OnChange(_ => _signals.Writer.TryWrite(true));
        _loop = Task.Run(() => LoopAsync(_stopping.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _watcher?.Dispose();
        _optionsSubscription?.Dispose();
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task LoopAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                using var poll = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                poll.CancelAfter(TimeSpan.FromSeconds(_options.CurrentValue.ReloadPollSeconds));
                try
                {
                    await _signals.Reader.ReadAsync(poll.Token).ConfigureAwait(false);
                    // Files arrive in several writes; let them settle before validating.
                    await Task.Delay(Debounce, stopping).ConfigureAwait(false);
                    _signals.Reader.TryRead(out _);
                }
                catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
                {
                    // Poll interval elapsed.
                }
                await _registry.ReloadAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                LogReloadFailed(_logger, exception);
            }
        }
    }

    private FileSystemWatcher? CreateWatcher(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return null;
        }
        try
        {
            var watcher = new FileSystemWatcher(directory) { IncludeSubdirectories = true, NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size };
            watcher.Changed += (_, _) => _signals.Writer.TryWrite(true);
            watcher.Created += (_, _) => _signals.Writer.TryWrite(true);
            watcher.Deleted += (_, _) => _signals.Writer.TryWrite(true);
            watcher.Renamed += (_, _) => _signals.Writer.TryWrite(true);
            watcher.EnableRaisingEvents = true;
            return watcher;
        }
        catch (Exception exception) when (exception is IOException or ArgumentException or PlatformNotSupportedException)
        {
            // inotify limits can refuse a watcher; polling still reloads.
            LogWatcherUnavailable(_logger, directory, exception.Message);
            return null;
        }
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _optionsSubscription?.Dispose();
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Reloading policy models failed; the serving models are unchanged.")]
    private static partial void LogReloadFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot watch {Directory} ({Reason}); relying on the poll interval.")]
    private static partial void LogWatcherUnavailable(ILogger logger, string directory, string reason);
}
