using Microsoft.Extensions.Logging.Abstractions;
using Routing.Backends.Pool;

namespace Routing.Backends.Tests;

[Collection(PoolMetricsCollection.Name)]
public sealed class ConfiguredAgentPoolTests
{
    private readonly List<AgentDefinition> _built = [];

    [Fact]
    public void ValidConfigurationReplacesThePoolAndRaisesChanged()
    {
        var pool = NewPool();
        AgentPoolSnapshot? announced = null;
        pool.Changed += snapshot => announced = snapshot;

        var errors = pool.Apply(AgentPoolDocumentTests.ValidPool, "test");

        Assert.Empty(errors);
        Assert.Equal(["small", "large", "sim-agent"], pool.Current.Agents.Select(a => a.Name));
        Assert.Same(pool.Current, announced);
        Assert.StartsWith("sha256:", pool.Current.Version, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidConfigurationKeepsTheLastGoodPoolAndIsCounted()
    {
        var pool = NewPool();
        pool.Apply(AgentPoolDocumentTests.ValidPool, "test");
        var good = pool.Current;
        var changes = 0;
        pool.Changed += _ => changes++;
        var failuresBefore = AgentPoolMetrics.ReloadFailures.Value;

        var errors = pool.Apply(AgentPoolDocumentTests.ValidPool.Replace("\"tier\": 1", "\"tier\": -1", StringComparison.Ordinal), "test");

        Assert.Equal(["agents[1].tier: must be ≥ 0 (0 = smallest), got -1"], errors);
        Assert.Same(good, pool.Current);
        Assert.Equal(0, changes);
        Assert.Equal(failuresBefore + 1, AgentPoolMetrics.ReloadFailures.Value);
    }

    [Fact]
    public void SameContentAgainIsNotAChange()
    {
        var pool = NewPool();
        pool.Apply(AgentPoolDocumentTests.ValidPool, "test");
        var changes = 0;
        pool.Changed += _ => changes++;

        pool.Apply(AgentPoolDocumentTests.ValidPool + "\n\n", "test");

        Assert.Equal(0, changes);
    }

    [Fact]
    public void BackendsAreCachedPerDefinitionAndRebuiltWhenItChanges()
    {
        var pool = NewPool();
        pool.Apply(AgentPoolDocumentTests.ValidPool, "test");
        var small = pool.Current.Agents[0];
        var first = pool.BackendFor(small);

        var again = pool.BackendFor(small);
        pool.Apply(AgentPoolDocumentTests.ValidPool.Replace("http://vllm-small:8000/v1", "http://vllm-small-2:8000/v1", StringComparison.Ordinal), "test");
        var moved = pool.BackendFor(pool.Current.Agents[0]);

        Assert.Same(first, again);
        Assert.NotSame(first, moved);
        Assert.Equal([small, pool.Current.Agents[0]], _built.Where(a => a.Name == "small"));
    }

    private ConfiguredAgentPool NewPool() => new(
        agent =>
        {
            _built.Add(agent);
            return new RecordingBackend();
        },
        NullLogger<ConfiguredAgentPool>.Instance);

    /// <summary>A distinct object per build, so caching is visible; never called.</summary>
    private sealed class RecordingBackend : IChatBackend
    {
        public Task<ChatResult> CompleteAsync(ChatCall call, CancellationToken cancellationToken) => throw new NotSupportedException();

        public IAsyncEnumerable<ChatChunk> StreamAsync(ChatCall call, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
