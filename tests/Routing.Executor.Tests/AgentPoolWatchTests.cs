using Routing.Contracts.Executor.V1;
using Routing.Testing;
using Xunit;

namespace Routing.Executor.Tests;

/// <summary>The executor host's agent-pool ConfigMap watch against a loopback Kubernetes API (<see cref="FakeKubernetesApi"/>).</summary>
public sealed class AgentPoolWatchTests : IAsyncLifetime
{
    private const string Namespace = "routing";
    private const string ConfigMap = "routing-executor-agents";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private FakeKubernetesApi _api = null!;

    public async Task InitializeAsync() => _api = await FakeKubernetesApi.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private static string Pool(params string[] names) =>
        "{\"agents\":[" + string.Join(",", names.Select((n, i) =>
            $"{{\"name\":\"{n}\",\"endpoint\":\"http://127.0.0.1:9/v1\",\"model\":\"{n}-model\",\"priceInMicrosPerMTok\":{(i + 1) * 1000},\"priceOutMicrosPerMTok\":{(i + 1) * 2000},\"tier\":{i},\"maxOutputTokens\":256}}")) + "]}";

    private static async Task<List<string>> AgentsAsync(ExecutorStack stack) =>
        [.. (await stack.Client.ListAgentsAsync(new ListAgentsRequest(), ExecutorStack.Acme)).Agents.Select(a => a.Name)];

    [Fact]
    public async Task AConfigMapChangeChangesTheAgentsTheExecutorLists()
    {
        _api.Put(Namespace, ConfigMap, new Dictionary<string, string> { ["agents.json"] = Pool("small", "watched-large") });
        await using var stack = await ExecutorStack.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Routing:AgentPool:Watch:ConfigMap"] = ConfigMap,
            ["Routing:AgentPool:Watch:Namespace"] = Namespace,
            ["Routing:AgentPool:Watch:ApiServer"] = _api.Url,
        });

        await Eventually.ReturnsAsync(() => AgentsAsync(stack), a => a.SequenceEqual(["small", "watched-large"]), Patience, "the ConfigMap's pool");
        await Eventually.ReturnsAsync(() => Task.FromResult(_api.WatchRequests), n => n >= 1, Patience, "watch opened");
        _api.Put(Namespace, ConfigMap, new Dictionary<string, string> { ["agents.json"] = Pool("small", "medium", "huge") });

        var agents = await Eventually.ReturnsAsync(() => AgentsAsync(stack), a => a.Count == 3, Patience, "the changed pool");
        Assert.Equal(["small", "medium", "huge"], agents);
    }

    [Fact]
    public async Task WithoutAConfigMapTheExecutorNeverCallsTheApi()
    {
        await using var stack = await ExecutorStack.StartAsync(settings: new Dictionary<string, string?> { ["Routing:AgentPool:Watch:ApiServer"] = _api.Url });

        Assert.Equal(["small", "large"], await AgentsAsync(stack));
        Assert.Empty(_api.Requests);
    }
}
