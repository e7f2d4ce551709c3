using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Routing.Backends.Pool;

/// <summary>
/// Loads the pool file at start (an unusable file stops start-up with its problems) and then polls the file's
/// content hash every <see cref="AgentPoolOptions.ReloadPollSeconds"/>, applying each new content.
/// </summary>
/// <remarks>
/// Polling, not <see cref="FileSystemWatcher"/>: Kubernetes updates a mounted ConfigMap by writing a new
/// timestamped directory and atomically swapping the <c>..data</c> symlink, so the watched file's path never
/// changes and inotify reports events on the symlinks (or nothing) rather than on the file; watchers also miss
/// events on overlay and network filesystems and fire several times per write. Reading a few kilobytes and
/// hashing them every few seconds always sees the content the path resolves to now, whatever the swap did.
/// </remarks>
/// <param name="inProcess">The pool served without a file (<see cref="AgentPoolOptions.UseSimulator"/>); null when the host registers none.</param>
public sealed class AgentPoolFileReloader(ConfiguredAgentPool pool, IOptions<AgentPoolOptions> options, IInProcessAgentPool? inProcess) : BackgroundService
{
    private readonly AgentPoolOptions _options = options.Value;
    private string? _lastSeen;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.File.Length == 0)
        {
            if (_options.UseSimulator)
            {
                if (inProcess is null)
                {
                    throw new InvalidOperationException(
                        "Routing:AgentPool:UseSimulator: this executor has no in-process simulator (it plugs in from the lab: `routing up`, the benchmarks); give it a pool file (Routing:AgentPool:File) of http(s) agents.");
                }
                var errors = pool.Apply(inProcess.Agents(), inProcess.Source);
                if (errors.Count > 0)
                {
                    throw new InvalidOperationException("Routing:AgentPool:UseSimulator: the simulator's agents are not a valid pool: " + string.Join("; ", errors));
                }
            }

            return;
        }

        if (!await PollOnceAsync(cancellationToken).ConfigureAwait(false) || pool.Current.Agents.Count == 0)
        {
            throw new InvalidOperationException(
                $"Routing:AgentPool:File: the agent pool file '{_options.File}' is missing or invalid (see the log for its problems); fix it or set Routing:AgentPool:File to \"\" with Routing:AgentPool:UseSimulator=true.");
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the file once and applies it if its content changed; false when it could not be applied.</summary>
    public async Task<bool> PollOnceAsync(CancellationToken cancellationToken)
    {
        string text;
        try
        {
            // Opening the path follows the ConfigMap's symlinks to whatever they point at now.
            text = await File.ReadAllTextAsync(_options.File, Encoding.UTF8, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var state = "unreadable: " + e.Message;
            if (state != _lastSeen)
            {
                _lastSeen = state;
                pool.ReportUnreadable(_options.File, e.Message);
            }

            return false;
        }

        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        if (hash == _lastSeen)
        {
            return true;
        }

        // Remember bad content too, so that one bad edit is logged and counted once, not on every poll.
        _lastSeen = hash;
        return pool.Apply(text, _options.File).Count == 0;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_options.ReloadPollSeconds));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await PollOnceAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }
}
