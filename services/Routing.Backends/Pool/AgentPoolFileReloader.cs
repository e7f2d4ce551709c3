using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Routing.ServiceDefaults.Hosting;

namespace Routing.Backends.Pool;

/// <summary>
/// Loads the pool file at start (an unusable file stops start-up with its problems) and then polls it every
/// <see cref="AgentPoolOptions.ReloadPollSeconds"/> as a <see cref="MountedFile"/>, applying each new content:
/// polling by content hash, not a file watcher, sees the kubelet's <c>..data</c> symlink swap (see there why).
/// </summary>
/// <param name="inProcess">The pool served without a file (<see cref="AgentPoolOptions.UseSimulator"/>); null when the host registers none.</param>
public sealed class AgentPoolFileReloader(ConfiguredAgentPool pool, IOptions<AgentPoolOptions> options, IInProcessAgentPool? inProcess) : BackgroundService
{
    private readonly AgentPoolOptions _options = options.Value;
    private MountedFile? _file;

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

    /// <summary>Reads the file once and applies it if its content changed; false when its current content is not applied.</summary>
    public Task<bool> PollOnceAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Mounted.Poll(Apply, ReportUnreadable);
        return Task.FromResult(Mounted.IsCurrent);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Mounted.PollEveryAsync(TimeSpan.FromSeconds(_options.ReloadPollSeconds), Apply, ReportUnreadable, stoppingToken);

    // Made at the first poll: without a pool file (the in-process pool) there is nothing to mount.
    private MountedFile Mounted => _file ??= new MountedFile(_options.File);

    private IReadOnlyList<string> Apply(string text) => pool.Apply(text, _options.File);

    private void ReportUnreadable(string problem) => pool.ReportUnreadable(_options.File, problem);
}
