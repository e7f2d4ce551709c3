using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Routing.Testing;

/// <summary>
/// A Kubernetes API server on loopback that speaks the ConfigMap list/watch protocol of
/// <c>/api/v1/namespaces/{ns}/configmaps</c>: lists with a <c>metadata.name</c> field selector and the
/// collection's resourceVersion; watches (<c>watch=true</c>) that replay events newer than the requested
/// resourceVersion, stream new ones as JSON lines, send bookmarks when asked, end after
/// <c>timeoutSeconds</c>, and answer a version older than the compaction point with an ERROR event carrying
/// a 410 Gone Status. Faults can be injected: failing requests, an HTTP 410 on the watch request, dropping
/// open watch connections. Not a cluster: only what a ConfigMap watcher needs.
/// </summary>
public sealed class FakeKubernetesApi : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly WebApplication _app;
    private readonly List<(long Version, string Type, string Name, JsonObject? Object)> _events = [];
    private readonly Dictionary<(string Namespace, string Name), JsonObject> _objects = [];
    private readonly List<Channel<bool>> _watchers = [];
    private readonly List<string> _requests = [];
    private long _version = 100;
    private long _compactedBelow;
    private int _compactions;
    private int _failNext;
    private int _goneNextWatchRequest;
    private CancellationTokenSource _dropWatches = new();

    private FakeKubernetesApi(WebApplication app) => _app = app;

    /// <summary>Base URL (http://127.0.0.1:port) for <c>ApiServer</c> settings.</summary>
    public string Url { get; private set; } = "";

    /// <summary>Every request's path and query, in order.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Watch requests received so far.</summary>
    public int WatchRequests => Requests.Count(r => r.Contains("watch=true", StringComparison.Ordinal));

    /// <summary>Sends a BOOKMARK event on open watches that asked for them (allowWatchBookmarks=true).</summary>
    public bool SendBookmarks { get; set; } = true;

    public static async Task<FakeKubernetesApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var api = new FakeKubernetesApi(app);
        app.MapGet("/api/v1/namespaces/{ns}/configmaps", (HttpContext context, string ns) => api.HandleAsync(context, ns));
        await app.StartAsync();
        api.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return api;
    }

    /// <summary>Creates or replaces a ConfigMap (ADDED or MODIFIED event); returns its new resourceVersion.</summary>
    public string Put(string @namespace, string name, IReadOnlyDictionary<string, string> data)
    {
        lock (_gate)
        {
            var version = (++_version).ToString(CultureInfo.InvariantCulture);
            var type = _objects.ContainsKey((@namespace, name)) ? "MODIFIED" : "ADDED";
            var dataNode = new JsonObject();
            foreach (var (key, value) in data)
            {
                dataNode[key] = value;
            }
            var obj = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "ConfigMap",
                ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = @namespace, ["resourceVersion"] = version },
                ["data"] = dataNode,
            };
            _objects[(@namespace, name)] = obj;
            Publish(type, name, obj);
            return version;
        }
    }

    /// <summary>Deletes a ConfigMap (DELETED event).</summary>
    public void Delete(string @namespace, string name)
    {
        lock (_gate)
        {
            if (_objects.Remove((@namespace, name), out var obj))
            {
                var copy = obj.DeepClone().AsObject();
                copy["metadata"]!["resourceVersion"] = (++_version).ToString(CultureInfo.InvariantCulture);
                Publish("DELETED", name, copy);
            }
        }
    }

    /// <summary>
    /// Forgets every event so far (etcd compaction): open watches and watches from an older version get an
    /// ERROR event with 410 Gone, after which the client must list again.
    /// </summary>
    public void Compact()
    {
        lock (_gate)
        {
            // A compaction goes with later writes on a real server: the version moves on, so every watch from an
            // older version, including one whose request is still on its way in, gets 410 and a relist finds the
            // new version (watching from it is fine).
            _version++;
            _compactedBelow = _version + 1;
            _compactions++;
            _events.Clear();
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryWrite(true);
            }
        }
    }

    /// <summary>The next <paramref name="count"/> requests get HTTP 500.</summary>
    public void FailNext(int count) => Interlocked.Exchange(ref _failNext, count);

    /// <summary>The next watch request is refused with HTTP 410 (instead of an ERROR event).</summary>
    public void RefuseNextWatchAsGone() => Interlocked.Exchange(ref _goneNextWatchRequest, 1);

    /// <summary>Aborts every open watch connection mid-stream, as a restarting API server or load balancer does.</summary>
    public void DropWatches()
    {
        CancellationTokenSource old;
        lock (_gate)
        {
            old = _dropWatches;
            _dropWatches = new CancellationTokenSource();
        }
        old.Cancel();
        old.Dispose();
    }

    private void Publish(string type, string name, JsonObject obj)
    {
        _events.Add((_version, type, name, obj));
        foreach (var watcher in _watchers)
        {
            watcher.Writer.TryWrite(true);
        }
    }

    private async Task HandleAsync(HttpContext context, string ns)
    {
        var query = context.Request.Query;
        lock (_gate)
        {
            _requests.Add(context.Request.Path + context.Request.QueryString);
        }
        if (Interlocked.Decrement(ref _failNext) >= 0)
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            await context.Response.WriteAsJsonAsync(Status(500, "InternalError", "injected failure"));
            return;
        }
        var selector = query["fieldSelector"].ToString();
        string? name = selector.StartsWith("metadata.name=", StringComparison.Ordinal) ? selector["metadata.name=".Length..] : null;
        if (query["watch"] == "true")
        {
            await WatchAsync(context, ns, name);
            return;
        }
        JsonArray items;
        string listVersion;
        lock (_gate)
        {
            items = [.. _objects.Where(o => o.Key.Namespace == ns && (name is null || o.Key.Name == name)).Select(o => (JsonNode)o.Value.DeepClone())];
            listVersion = _version.ToString(CultureInfo.InvariantCulture);
        }
        var list = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMapList",
            ["metadata"] = new JsonObject { ["resourceVersion"] = listVersion },
            ["items"] = items,
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(list.ToJsonString());
    }

    private async Task WatchAsync(HttpContext context, string ns, string? name)
    {
        var query = context.Request.Query;
        if (Interlocked.Exchange(ref _goneNextWatchRequest, 0) == 1)
        {
            context.Response.StatusCode = StatusCodes.Status410Gone;
            await context.Response.WriteAsJsonAsync(Status(410, "Expired", "too old resource version"));
            return;
        }
        var from = long.Parse(query["resourceVersion"].ToString() is { Length: > 0 } rv ? rv : "0", CultureInfo.InvariantCulture);
        var timeout = TimeSpan.FromSeconds(int.TryParse(query["timeoutSeconds"], out var seconds) ? seconds : 1_800);
        var bookmarks = query["allowWatchBookmarks"] == "true";
        var signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        CancellationToken dropped;
        int compactions;
        lock (_gate)
        {
            compactions = _compactions;
            _watchers.Add(signal);
            dropped = _dropWatches.Token;
        }
        using var ends = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        ends.CancelAfter(timeout);
        context.Response.ContentType = "application/json";
        await context.Response.StartAsync();
        try
        {
            var sent = from;
            while (true)
            {
                List<string> lines = [];
                lock (_gate)
                {
                    if (sent < _compactedBelow - 1 || compactions != _compactions)
                    {
                        lines.Add(Line("ERROR", Status(410, "Expired", $"too old resource version: {sent} ({_compactedBelow - 1})")));
                        sent = long.MaxValue;
                    }
                    foreach (var e in _events.Where(e => e.Version > sent && (name is null || e.Name == name) && e.Object?["metadata"]?["namespace"]?.ToString() == ns))
                    {
                        lines.Add(Line(e.Type, e.Object!));
                    }
                    if (sent != long.MaxValue)
                    {
                        if (bookmarks && SendBookmarks && _version > sent && lines.Count == 0)
                        {
                            lines.Add(Line("BOOKMARK", new JsonObject
                            {
                                ["apiVersion"] = "v1",
                                ["kind"] = "ConfigMap",
                                ["metadata"] = new JsonObject { ["resourceVersion"] = _version.ToString(CultureInfo.InvariantCulture) },
                            }));
                        }
                        sent = _version;
                    }
                }
                foreach (var line in lines)
                {
                    if (dropped.IsCancellationRequested)
                    {
                        context.Abort();
                        return;
                    }
                    await context.Response.WriteAsync(line + "\n", ends.Token);
                }
                await context.Response.Body.FlushAsync(ends.Token);
                if (sent == long.MaxValue)
                {
                    return; // the API server closes a watch after its ERROR event
                }
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ends.Token, dropped);
                await signal.Reader.ReadAsync(wait.Token);
            }
        }
        catch (OperationCanceledException) when (dropped.IsCancellationRequested)
        {
            context.Abort();
        }
        catch (OperationCanceledException)
        {
            // timeoutSeconds elapsed (the server ends the watch cleanly) or the client went away.
        }
        finally
        {
            lock (_gate)
            {
                _watchers.Remove(signal);
            }
        }
    }

    private static string Line(string type, JsonObject obj) => new JsonObject { ["type"] = type, ["object"] = obj }.ToJsonString();

    private static JsonObject Status(int code, string reason, string message) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Status",
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    };

    public async ValueTask DisposeAsync()
    {
        DropWatches();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _dropWatches.Dispose();
    }
}
