using System.Numerics.Tensors;
using Routing.Contracts.Memory.V1;
using Routing.Memory.Index;

namespace Routing.Cli.Bench;

/// <summary>
/// Synthetic SALE auctions for the memory benchmark: task texts drawn from a seeded vocabulary (so the
/// built-in encoder sees realistic, overlapping wording), four agents of which a random subset bids.
/// </summary>
public sealed class MemoryBenchWorkload(int seed)
{
    public static readonly string[] Agents = ["qwen3-4b", "qwen3-8b", "qwen3-14b", "qwen3-32b"];

    private static readonly string[] Verbs =
    [
        "fix", "find", "refactor", "summarise", "compare", "migrate", "test", "document", "optimise", "debug", "deploy",
        "search", "rank", "translate", "profile", "review", "design", "estimate", "schedule", "audit",
    ];

    private static readonly string[] Objects =
    [
        "the JSON parser", "the payment service", "flight prices", "hotel reviews", "the order database", "the search index",
        "recent papers on retrieval", "the CI pipeline", "the login flow", "memory leaks", "the REST API", "unit tests",
        "the billing report", "GPU utilisation", "the recommendation model", "customer tickets", "the release notes",
        "the Kubernetes manifests", "the caching layer", "latency regressions", "the data warehouse", "the mobile app",
    ];

    private static readonly string[] Contexts =
    [
        "for the Lisbon office", "before Friday", "after the outage", "in Python", "in C#", "for the EU region",
        "with a budget of ten dollars", "using only public sources", "for the quarterly review", "on the staging cluster",
        "without breaking the API", "for a new customer", "in under an hour", "with citations", "for accessibility",
    ];

    public static string TaskText(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return $"{Verbs[random.Next(Verbs.Length)]} {Objects[random.Next(Objects.Length)]} {Contexts[random.Next(Contexts.Length)]} " +
            $"{Objects[random.Next(Objects.Length)]} #{random.Next(100_000)}";
    }

    public RecordAuctionRequest Auction(string tenant, int index)
    {
        var random = new Random(seed * 1_000_003 + index);
        var request = new RecordAuctionRequest
        {
            Tenant = tenant,
            AuctionId = $"auction-{index:D7}",
            TaskText = TaskText(random),
            Domain = random.Next(2) == 0 ? "search" : "coding",
        };
        foreach (var agent in Agents)
        {
            if (random.NextDouble() < 0.6 || request.Bids.Count == 0 && agent == Agents[^1])
            {
                request.Bids.Add(new Bid
                {
                    Agent = agent,
                    Strategy = $"{agent}: split the task, check sources, verify the answer ({index})",
                    PlanTokens = 80 + random.Next(300),
                    Entropy = random.NextDouble(),
                    CostScore = random.NextDouble() * 3,
                    ValueScore = random.NextDouble() * 3,
                });
            }
        }
        request.WinnerIndex = random.Next(request.Bids.Count);
        return request;
    }

    public string Query(int index) => TaskText(new Random(seed * 7_919 + 17 + index));
}

/// <summary>
/// The naive reference: every vector in its own array, cosine computed with plain loops (norms included),
/// every candidate sorted. What a first implementation without an index would do.
/// </summary>
public sealed class NaiveScan(int dimension)
{
    private readonly List<(string Id, float[] Vector, string[] Agents)> _auctions = [];

    public int Count => _auctions.Count;

    public void Add(string id, float[] vector, string[] agents) => _auctions.Add((id, vector, agents));

    public List<SearchHit> Search(float[] query, string agent, int k)
    {
        ArgumentNullException.ThrowIfNull(query);
        var all = new List<SearchHit>();
        foreach (var (id, vector, agents) in _auctions)
        {
            if (Array.IndexOf(agents, agent) < 0)
            {
                continue;
            }
            float dot = 0, queryNorm = 0, norm = 0;
            for (var i = 0; i < dimension; i++)
            {
                dot += query[i] * vector[i];
                queryNorm += query[i] * query[i];
                norm += vector[i] * vector[i];
            }
            all.Add(new SearchHit(id, dot / (MathF.Sqrt(queryNorm) * MathF.Sqrt(norm))));
        }
        all.Sort(static (a, b) => b.Similarity != a.Similarity ? b.Similarity.CompareTo(a.Similarity) : string.CompareOrdinal(a.AuctionId, b.AuctionId));
        return all.Count > k ? all[..k] : all;
    }

    /// <summary>Bytes of the raw vectors alone: the yardstick of the index's memory.</summary>
    public long RawVectorBytes => (long)_auctions.Count * dimension * sizeof(float);

    public static float[] Normalised(float[] vector)
    {
        ArgumentNullException.ThrowIfNull(vector);
        var copy = (float[])vector.Clone();
        TensorPrimitives.Divide(copy, TensorPrimitives.Norm(copy), copy);
        return copy;
    }
}
