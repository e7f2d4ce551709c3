using System.Numerics.Tensors;
using Routing.Memory.Index;
using Xunit;

namespace Routing.Memory.Tests;

/// <summary>The int8-pruned search returns exactly the float top k, through inserts, replacements and removals.</summary>
public sealed class TenantIndexTests
{
    private static readonly string[] Agents = ["qwen-4b", "qwen-8b", "qwen-14b", "qwen-32b"];

    [Theory]
    [InlineData(64, 3_000, 1)]
    [InlineData(384, 2_500, 8)]
    [InlineData(100, 1_200, 50)]
    [InlineData(32, 40_000, 8)] // Large enough for the parallel scan.
    public void SearchEqualsTheExhaustiveFloatScan(int dimension, int count, int k)
    {
        var random = new Random(dimension * 31 + count);
        var index = new TenantIndex("t", VectorSpaceId.ForCaller(dimension));
        var vectors = new Dictionary<string, (float[] Vector, string[] Agents)>();
        for (var i = 0; i < count; i++)
        {
            var id = $"a{i:D5}";
            var vector = Clustered(random, dimension, i % 17);
            var agents = Agents.Where((_, j) => random.NextDouble() < 0.6 || j == i % Agents.Length).ToArray();
            vectors[id] = (vector, agents);
            index.Upsert(new IndexedAuction(id, vector, agents, 0, i + 1));
        }
        // Churn: remove some, replace some with newer writes.
        for (var i = 0; i < count / 10; i++)
        {
            var id = $"a{random.Next(count):D5}";
            if (vectors.Remove(id))
            {
                Assert.True(index.Remove(id));
            }
        }

        for (var query = 0; query < 20; query++)
        {
            var q = Clustered(random, dimension, query % 17);
            var agent = Agents[query % Agents.Length];
            var hits = new List<SearchHit>();

            var candidates = index.Search(q, agent, k, null, long.MinValue, hits);

            var expected = vectors
                .Where(v => v.Value.Agents.Contains(agent))
                .Select(v => (Id: v.Key, Similarity: Cosine(q, v.Value.Vector)))
                .OrderByDescending(v => v.Similarity).ThenBy(v => v.Id, StringComparer.Ordinal)
                .Take(k).ToList();
            Assert.Equal(vectors.Count(v => v.Value.Agents.Contains(agent)), candidates);
            Assert.Equal(expected.Select(e => e.Id), hits.Select(h => h.AuctionId));
            Assert.Equal(expected.Select(e => e.Id), index.SearchExhaustive(q, agent, k).Select(h => h.AuctionId));
            for (var i = 0; i < hits.Count; i++)
            {
                Assert.Equal(expected[i].Similarity, hits[i].Similarity, 4);
            }
        }
    }

    [Fact]
    public void AgentsBeyondTheFirstSixtyFourAreFilteredToo()
    {
        var index = new TenantIndex("t", VectorSpaceId.ForCaller(2));
        for (var i = 0; i < 100; i++)
        {
            index.Upsert(new IndexedAuction($"a{i:D3}", [1, i / 100f], [$"agent-{i}", "everyone"], 0, i + 1));
        }
        var hits = new List<SearchHit>();

        var candidates = index.Search([1, 0.9f], "agent-90", 8, null, long.MinValue, hits);

        Assert.Equal(1, candidates);
        Assert.Equal(["a090"], hits.Select(h => h.AuctionId));
        Assert.Equal(100, index.Search([1, 0], "everyone", 3, null, long.MinValue, []));
    }

    [Fact]
    public void NewerWriteWinsAndAnOlderRemovalDoesNotUndoIt()
    {
        var index = new TenantIndex("t", VectorSpaceId.ForCaller(4));
        index.Upsert(new IndexedAuction("x", [1, 0, 0, 0], ["a"], 0, 5));

        Assert.False(index.Upsert(new IndexedAuction("x", [0, 1, 0, 0], ["a"], 0, 3)));
        Assert.False(index.Remove("x", 4));
        Assert.True(index.Remove("x", 6));
        Assert.Equal(0, index.Count);
    }

    [Fact]
    public void MemoryFollowsTheRecordsKept()
    {
        var index = new TenantIndex("t", VectorSpaceId.ForCaller(384));
        var random = new Random(7);
        for (var i = 0; i < 5_000; i++)
        {
            index.Upsert(new IndexedAuction($"auction-{i}", Clustered(random, 384, i % 5), ["a"], 0, i + 1));
        }
        var full = index.ApproximateBytes;
        for (var i = 0; i < 4_500; i++)
        {
            index.Remove($"auction-{i}");
        }
        var rawVectorBytes = 5_000L * 384 * sizeof(float);

        Assert.InRange(full, rawVectorBytes, 2 * rawVectorBytes);
        Assert.True(index.ApproximateBytes < full / 4, $"{index.ApproximateBytes} bytes after removing 90% (was {full})");
    }

    [Fact]
    public void ExcludedExpiredAndForeignAuctionsAreNotCandidates()
    {
        var index = new TenantIndex("t", VectorSpaceId.ForCaller(2));
        index.Upsert(new IndexedAuction("same", [1, 0], ["a"], 100, 1));
        index.Upsert(new IndexedAuction("old", [1, 0.1f], ["a"], 10, 2));
        index.Upsert(new IndexedAuction("other-agent", [1, 0], ["b"], 100, 3));
        index.Upsert(new IndexedAuction("kept", [0, 1], ["a", "b"], 100, 4));
        var hits = new List<SearchHit>();

        var candidates = index.Search([1, 0], "a", 8, "same", 50, hits);

        Assert.Equal(1, candidates);
        Assert.Equal(["kept"], hits.Select(h => h.AuctionId));
    }

    internal static float[] Clustered(Random random, int dimension, int cluster)
    {
        var vector = new float[dimension];
        var centre = new Random(cluster);
        for (var i = 0; i < dimension; i++)
        {
            vector[i] = (float)(centre.NextDouble() - 0.5) + 0.6f * (float)(random.NextDouble() - 0.5);
        }
        TensorPrimitives.Divide(vector, TensorPrimitives.Norm(vector), vector);
        return vector;
    }

    internal static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return dot / Math.Sqrt(na * nb);
    }
}
