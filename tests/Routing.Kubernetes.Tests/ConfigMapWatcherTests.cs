using Microsoft.Extensions.Logging.Abstractions;
using Routing.Kubernetes.Hosting;
using Routing.Kubernetes.Watching;
using Routing.Testing;
using Xunit;

namespace Routing.Kubernetes.Tests;

/// <summary>
/// The watcher against <see cref="FakeKubernetesApi"/>, a loopback HTTP server speaking the Kubernetes
/// list/watch protocol (there is no cluster here): initial list, events, deletes, resume after a server-side
/// timeout or a dropped connection, relist after 410 Gone, backoff through failures.
/// </summary>
public sealed class ConfigMapWatcherTests : IAsyncLifetime
{
    private const string Namespace = "routing";
    private const string Name = "routing-policy-rollout";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly RecordingConsumer _consumer = new();
    private readonly CancellationTokenSource _stop = new();
    private FakeKubernetesApi _api = null!;
    private ConfigMapWatcher _watcher = null!;
    private Task _running = Task.CompletedTask;

    public async Task InitializeAsync() => _api = await FakeKubernetesApi.StartAsync();

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running.WaitAsync(Patience);
        await _api.DisposeAsync();
        _stop.Dispose();
    }

    private void Start(int watchTimeoutSeconds = 300)
    {
        var options = new ConfigMapWatchOptions
        {
            ConfigMap = Name,
            Namespace = Namespace,
            ApiServer = _api.Url,
            WatchTimeoutSeconds = watchTimeoutSeconds,
            InitialBackoffMilliseconds = 50,
            MaxBackoffMilliseconds = 200,
        };
        _watcher = new ConfigMapWatcher(KubernetesClientFactory.Create(options), Namespace, Name, _consumer, options, NullLogger.Instance);
        _running = Task.Run(() => _watcher.RunAsync(_stop.Token));
    }

    private Task<ConfigMapSnapshot?> LastAsync(Func<ConfigMapSnapshot, bool> accept, string what) =>
        Eventually.ReturnsAsync(() => Task.FromResult(_consumer.Last), s => s is not null && accept(s), Patience, what);

    private static Dictionary<string, string> Weight(string weight) => new() { ["canaryWeight"] = weight };

    [Fact]
    public async Task TheListDeliversTheCurrentStateAndTheWatchEveryChangeAfterIt()
    {
        var first = _api.Put(Namespace, Name, Weight("0.1"));
        Start();
        var initial = await LastAsync(s => s.Exists, "initial list");
        Assert.Equal("0.1", initial!.Data!["canaryWeight"]);
        Assert.Equal(first, initial.ResourceVersion);

        await Eventually.ReturnsAsync(() => Task.FromResult(_api.WatchRequests), n => n >= 1, Patience, "watch opened");
        _api.Put(Namespace, Name, Weight("0.5"));
        await LastAsync(s => s.Data?["canaryWeight"] == "0.5", "modification");
        _api.Delete(Namespace, Name);
        await LastAsync(s => !s.Exists, "deletion");
        _api.Put(Namespace, Name, Weight("0.2"));
        await LastAsync(s => s.Data?["canaryWeight"] == "0.2", "re-creation");

        Assert.Equal(["0.1", "0.5", null, "0.2"], _consumer.Seen.Select(s => s.Data?["canaryWeight"]));
        Assert.Equal(1, _watcher.Lists);
        // Every request names the object, so RBAC can scope list and watch to it (resourceNames).
        Assert.All(_api.Requests, r => Assert.Contains("fieldSelector=metadata.name%3D" + Name, r, StringComparison.Ordinal));
        // The watch starts at the list's version, not at "now" (which would miss changes in between).
        Assert.Contains(_api.Requests, r => r.Contains("watch=true", StringComparison.Ordinal) && r.Contains("resourceVersion=" + first, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AMissingConfigMapIsReportedAbsentAndItsCreationIsSeen()
    {
        Start();
        var initial = await LastAsync(_ => true, "initial list");
        Assert.False(initial!.Exists);
        await Eventually.ReturnsAsync(() => Task.FromResult(_api.WatchRequests), n => n >= 1, Patience, "watch opened");
        _api.Put(Namespace, Name, Weight("0.3"));
        await LastAsync(s => s.Data?["canaryWeight"] == "0.3", "creation");
    }

    [Fact]
    public async Task AWatchTheServerEndsResumesFromTheLastVersionWithoutListingAgain()
    {
        _api.Put(Namespace, Name, Weight("0.1"));
        Start(watchTimeoutSeconds: 1);
        await LastAsync(s => s.Exists, "initial list");
        var changed = _api.Put(Namespace, Name, Weight("0.4"));
        await LastAsync(s => s.Data?["canaryWeight"] == "0.4", "change");
        await Eventually.ReturnsAsync(() => Task.FromResult(_api.Requests), rs => rs.Any(r => r.Contains("watch=true", StringComparison.Ordinal) && r.Contains("resourceVersion=" + changed, StringComparison.Ordinal)), Patience, "re-watch from the last event's version");
        await Eventually.ReturnsAsync(() => Task.FromResult(_api.WatchRequests), n => n >= 3, Patience, "several server-ended watches");

        Assert.Equal(1, _watcher.Lists);
        Assert.Equal(2, _consumer.Seen.Count);
    }

    [Fact]
    public async Task ADroppedConnectionReconnectsAndMissesNothing()
    {
        _api.Put(Namespace, Name, Weight("0.1"));
        Start();
        await LastAsync(s => s.Exists, "initial list");
        await Eventually.ReturnsAsync(() => Task.FromResult(_api.WatchRequests), n => n >= 1, Patience, "watch opened");

        _api.DropWatches();
        _api.Put(Namespace, Name, Weight("0.7"));
        await LastAsync(s => s.Data?["canaryWeight"] == "0.7", "change made while disconnected");
        Assert.Equal(1, _watcher.Lists);
    }

    [Fact]
    public async Task GoneMeansListAgainAndAnUnchangedObjectIsNotDeliveredTwice()
    {
        _api.Put(Namespace, Name, Weight("0.1"));
        Start();
        await LastAsync(s => s.Exists, "initial list");
        await Eventually.ReturnsAsync(() => Task.FromResult(_api.WatchRequests), n => n >= 1, Patience, "watch opened");

        _api.Compact();
        await Eventually.ReturnsAsync(() => Task.FromResult(_watcher.Lists), n => n == 2, Patience, "relist after 410 Gone");
        Assert.Single(_consumer.Seen);

        _api.Put(Namespace, Name, Weight("0.6"));
        await LastAsync(s => s.Data?["canaryWeight"] == "0.6", "change after the relist");
    }

    [Fact]
    public async Task AWatchRefusedWithHttpGoneListsAgain()
    {
        _api.Put(Namespace, Name, Weight("0.1"));
        _api.RefuseNextWatchAsGone();
        Start();
        await Eventually.ReturnsAsync(() => Task.FromResult(_watcher.Lists), n => n == 2, Patience, "relist after HTTP 410");
        _api.Put(Namespace, Name, Weight("0.9"));
        await LastAsync(s => s.Data?["canaryWeight"] == "0.9", "change after the relist");
        Assert.Equal(2, _consumer.Seen.Count);
    }

    [Fact]
    public async Task FailingRequestsAreRetriedUntilTheServerAnswers()
    {
        _api.Put(Namespace, Name, Weight("0.1"));
        _api.FailNext(4);
        Start();
        await LastAsync(s => s.Exists, "list after failures");
        Assert.True(_api.Requests.Count >= 5);
        Assert.Equal(0, _watcher.ConsecutiveFailures);
    }

    [Fact]
    public async Task AConsumerThatThrowsDoesNotStopTheWatch()
    {
        var calls = 0;
        var consumer = new DelegateConsumer(s =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                throw new InvalidOperationException("bad document");
            }
            _consumer.Apply(s);
        });
        _api.Put(Namespace, Name, Weight("0.1"));
        var options = new ConfigMapWatchOptions { ConfigMap = Name, Namespace = Namespace, ApiServer = _api.Url };
        _watcher = new ConfigMapWatcher(KubernetesClientFactory.Create(options), Namespace, Name, consumer, options, NullLogger.Instance);
        _running = Task.Run(() => _watcher.RunAsync(_stop.Token));
        await Eventually.ReturnsAsync(() => Task.FromResult(_api.WatchRequests), n => n >= 1, Patience, "watch opened");

        _api.Put(Namespace, Name, Weight("0.2"));
        await LastAsync(s => s.Data?["canaryWeight"] == "0.2", "next change");
    }

    [Fact]
    public void BackoffDoublesUpToItsCapWithJitterInTheUpperHalf()
    {
        var options = new ConfigMapWatchOptions { ConfigMap = Name, InitialBackoffMilliseconds = 100, MaxBackoffMilliseconds = 1_000, ApiServer = "http://127.0.0.1:1" };
        var watcher = new ConfigMapWatcher(KubernetesClientFactory.Create(options), Namespace, Name, _consumer, options, NullLogger.Instance);
        for (var i = 0; i < 200; i++)
        {
            Assert.InRange(watcher.Backoff(1).TotalMilliseconds, 50, 100);
            Assert.InRange(watcher.Backoff(3).TotalMilliseconds, 200, 400);
            Assert.InRange(watcher.Backoff(50).TotalMilliseconds, 500, 1_000);
        }
    }

    private sealed class DelegateConsumer(Action<ConfigMapSnapshot> apply) : IConfigMapConsumer
    {
        public void Apply(ConfigMapSnapshot snapshot) => apply(snapshot);
    }
}
