using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Routing.Contracts.Memory.V1;
using Routing.Memory.Encoding;
using Routing.Memory.Index;
using Routing.Memory.Metrics;
using Routing.Memory.Options;
using Routing.Memory.Replication;
using Routing.Memory.Storage;
using static Routing.Memory.Grpc.RequestValidation;
using static Routing.ServiceDefaults.Grpc.FieldValidation;

namespace Routing.Memory.Grpc;

/// <summary>The memory RPCs: validate, write through one script or search the index, map the outcome to a reply or a status.</summary>
public sealed class MemoryGrpcService(
    AuctionStore store, MemoryIndex index, IndexSynchronizer synchronizer, HashedNgramEncoder encoder, IOptions<MemoryOptions> options,
    TimeProvider time) : MemoryService.MemoryServiceBase
{
    private const int DefaultK = 8;
    private readonly MemoryOptions _options = options.Value;

    public override async Task<RecordAuctionResponse> RecordAuction(RecordAuctionRequest request, ServerCallContext context)
    {
        var tenant = Tenant(request.Tenant);
        var auctionId = Id("auction_id", request.AuctionId);
        Text("task_text", request.TaskText, _options.MaxTaskTextBytes);
        Embedding("task_embedding", request.TaskEmbedding, _options.MaxEmbeddingDimension);
        Domain(request.Domain);
        Text("prompt_version", request.PromptVersion, RequestValidation.MaxPromptVersionBytes);
        Bids(request.Bids, request.WinnerIndex, _options);
        var (vector, space) = QueryVector(tenant, request.TaskText, request.TaskEmbedding, null);

        var now = time.GetUtcNow();
        var record = new Auction
        {
            Tenant = tenant,
            AuctionId = auctionId,
            TaskText = request.TaskText,
            Domain = request.Domain,
            WinnerIndex = request.WinnerIndex,
            PromptVersion = request.PromptVersion,
            RecordedAt = Timestamp.FromDateTimeOffset(now),
        };
        record.Bids.Add(request.Bids);
        var agents = new HashSet<string>(StringComparer.Ordinal);
        foreach (var bid in request.Bids)
        {
            agents.Add(bid.Agent);
        }
        var digest = SHA256.HashData(request.ToByteArray());
        var nowMs = now.ToUnixTimeMilliseconds();

        var result = await store.RecordAsync(tenant, auctionId, digest, record.ToByteArray(), vector, agents, space.Name, nowMs);
        switch (result.Status)
        {
            case RecordStatus.Created:
                synchronizer.ApplyLocal(tenant, space, new IndexedAuction(auctionId, vector, [.. agents], nowMs, result.Sequence), result.Evicted);
                MemoryMetrics.Recorded.WithLabels("created").Inc();
                MemoryMetrics.Evictions.WithLabels("cap").Inc(result.Evicted.Count);
                return new RecordAuctionResponse { Evicted = result.Evicted.Count, Dimension = space.Dimension };
            case RecordStatus.Replayed:
                MemoryMetrics.Recorded.WithLabels("replayed").Inc();
                return new RecordAuctionResponse { Replayed = true, Dimension = VectorSpaceId.Parse(result.Space).Dimension };
            case RecordStatus.Conflict:
                throw new RpcException(new Status(StatusCode.AlreadyExists,
                    $"auction_id '{auctionId}' of tenant '{tenant}' is already recorded with different content; auction ids are idempotency keys"));
            default:
                throw SpaceMismatch(tenant, VectorSpaceId.Parse(result.Space), request.TaskEmbedding.Count);
        }
    }

    public override async Task<RecordOutcomeResponse> RecordOutcome(RecordOutcomeRequest request, ServerCallContext context)
    {
        var tenant = Tenant(request.Tenant);
        var auctionId = Id("auction_id", request.AuctionId);
        var score = Score(request.Score);
        var cost = CostMicros(request.ActualCostMicros);
        var content = new Outcome { Success = request.Success, Score = score, ActualCostMicros = cost };
        var digest = SHA256.HashData(content.ToByteArray());
        content.RecordedAt = Timestamp.FromDateTimeOffset(time.GetUtcNow());

        var result = await store.RecordOutcomeAsync(tenant, auctionId, content.ToByteArray(), digest);
        return result.Status switch
        {
            OutcomeStatus.Recorded => new RecordOutcomeResponse { Outcome = content },
            OutcomeStatus.Replayed => new RecordOutcomeResponse { Replayed = true, Outcome = Outcome.Parser.ParseFrom(result.StoredOutcome) },
            OutcomeStatus.Conflict => throw new RpcException(new Status(StatusCode.AlreadyExists,
                $"auction_id '{auctionId}' already has a different outcome ({Describe(Outcome.Parser.ParseFrom(result.StoredOutcome))})")),
            _ => throw AuctionNotFound(tenant, auctionId),
        };
    }

    public override async Task<RetrieveContrastiveResponse> RetrieveContrastive(RetrieveContrastiveRequest request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var tenant = Tenant(request.Tenant);
        var agent = Id("agent", request.Agent);
        var k = K(request.K, _options.MaxK);
        var exclude = request.ExcludeAuctionId.Length == 0 ? null : Id("exclude_auction_id", request.ExcludeAuctionId);
        Text("task_text", request.TaskText, _options.MaxTaskTextBytes);
        Embedding("task_embedding", request.TaskEmbedding, _options.MaxEmbeddingDimension);
        if (!index.IsReady)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the memory index of this replica is still loading from Redis; retry"));
        }
        var tenantIndex = index.Find(tenant);
        var (query, _) = QueryVector(tenant, request.TaskText, request.TaskEmbedding, tenantIndex?.Space);
        var response = new RetrieveContrastiveResponse();
        if (tenantIndex is null)
        {
            return response;
        }

        var hits = new List<SearchHit>(k == 0 ? DefaultK : k);
        var minCreated = _options.RecordTtlSeconds == 0 ? long.MinValue : time.GetUtcNow().ToUnixTimeMilliseconds() - _options.RecordTtlSeconds * 1000L;
        var searchStarted = Stopwatch.GetTimestamp();
        response.Candidates = tenantIndex.Search(query, agent, k == 0 ? DefaultK : k, exclude, minCreated, hits);
        MemoryMetrics.SearchDuration.Observe(Stopwatch.GetElapsedTime(searchStarted).TotalSeconds);
        if (hits.Count > 0)
        {
            var ids = new string[hits.Count];
            for (var i = 0; i < ids.Length; i++)
            {
                ids[i] = hits[i].AuctionId;
            }
            var auctions = await store.GetManyAsync(tenant, ids);
            for (var i = 0; i < auctions.Length; i++)
            {
                // Null: evicted between the search and the read; the caller gets one task fewer.
                if (auctions[i] is { } stored)
                {
                    response.Tasks.Add(Contrast(Auction.Parser.ParseFrom(stored.Record), stored.Outcome, agent, hits[i].Similarity));
                }
            }
        }
        MemoryMetrics.RetrievalDuration.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        return response;
    }

    public override async Task<Auction> GetAuction(GetAuctionRequest request, ServerCallContext context)
    {
        var tenant = Tenant(request.Tenant);
        var auctionId = Id("auction_id", request.AuctionId);
        var stored = await store.GetAsync(tenant, auctionId, request.IncludeEmbedding) ?? throw AuctionNotFound(tenant, auctionId);
        var auction = Auction.Parser.ParseFrom(stored.Record);
        if (stored.Outcome is { Length: > 0 } outcome)
        {
            auction.Outcome = Outcome.Parser.ParseFrom(outcome);
        }
        if (stored.Vector is { } vector)
        {
            auction.TaskEmbedding.Add(MemoryMarshal.Cast<byte, float>(vector).ToArray());
        }
        return auction;
    }

    public override async Task<StatsResponse> Stats(StatsRequest request, ServerCallContext context)
    {
        var response = new StatsResponse
        {
            IndexState = index.IsReady ? IndexState.Ready : IndexState.Loading,
            AppliedChange = index.AppliedTick,
        };
        IEnumerable<TenantIndex> tenants;
        if (request.Tenant.Length > 0)
        {
            var tenant = Tenant(request.Tenant);
            tenants = index.Find(tenant) is { } one ? [one] : [];
        }
        else
        {
            tenants = index.Tenants.OrderBy(t => t.Tenant, StringComparer.Ordinal).ToList();
        }
        foreach (var tenantIndex in tenants)
        {
            response.Tenants.Add(new TenantStats
            {
                Tenant = tenantIndex.Tenant,
                Records = await store.CountAsync(tenantIndex.Tenant),
                Indexed = tenantIndex.Count,
                Dimension = tenantIndex.Dimension,
                Space = tenantIndex.Space.Builtin ? VectorSpace.Builtin : VectorSpace.Caller,
                IndexState = response.IndexState,
                IndexBytes = tenantIndex.ApproximateBytes,
                AppliedChange = index.PositionOf(tenantIndex.Tenant),
            });
        }
        return response;
    }

    /// <summary>
    /// The unit vector of a task: the caller's embedding when given, the built-in encoder's otherwise. Checked
    /// against the tenant's space when it is known here (the record script checks it again against Redis).
    /// </summary>
    private (float[] Vector, VectorSpaceId Space) QueryVector(string tenant, string text, Google.Protobuf.Collections.RepeatedField<float> embedding, VectorSpaceId? tenantSpace)
    {
        tenantSpace ??= index.Find(tenant)?.Space;
        float[] vector;
        VectorSpaceId space;
        if (embedding.Count > 0)
        {
            space = VectorSpaceId.ForCaller(embedding.Count);
            if (tenantSpace is not null && tenantSpace != space)
            {
                throw SpaceMismatch(tenant, tenantSpace, embedding.Count);
            }
            vector = [.. embedding];
            var norm = System.Numerics.Tensors.TensorPrimitives.Norm(vector);
            System.Numerics.Tensors.TensorPrimitives.Divide(vector, norm, vector);
            return (vector, space);
        }
        if (string.IsNullOrWhiteSpace(text))
        {
            throw Invalid("task_text", "is empty and no task_embedding was given: send the task's text or its embedding");
        }
        space = VectorSpaceId.ForBuiltin(encoder.Space, encoder.Dimension);
        if (tenantSpace is not null && tenantSpace != space)
        {
            throw SpaceMismatch(tenant, tenantSpace, 0);
        }
        vector = new float[encoder.Dimension];
        if (!encoder.Encode(text, vector))
        {
            throw Invalid("task_text", "has nothing to encode");
        }
        return (vector, space);
    }

    private static SimilarTask Contrast(Auction auction, byte[]? outcome, string agent, float similarity)
    {
        var winner = auction.Bids[auction.WinnerIndex];
        var won = winner.Agent == agent;
        var task = new SimilarTask
        {
            AuctionId = auction.AuctionId,
            Similarity = similarity,
            TaskText = auction.TaskText,
            Domain = auction.Domain,
            AskingAgentWon = won,
        };
        for (var i = 0; i < auction.Bids.Count; i++)
        {
            var bid = auction.Bids[i];
            if (i != auction.WinnerIndex && (won || bid.Agent == agent))
            {
                task.Pairs.Add(new ContrastivePair { Losing = bid, Winning = winner });
            }
        }
        if (outcome is { Length: > 0 })
        {
            task.Outcome = Outcome.Parser.ParseFrom(outcome);
        }
        return task;
    }

    private static RpcException SpaceMismatch(string tenant, VectorSpaceId tenantSpace, int embeddingCount) =>
        tenantSpace.Builtin
            ? Invalid("task_embedding", $"must be empty: tenant '{tenant}' uses {tenantSpace.Describe()}; send task_text only (got {embeddingCount} values)")
            : embeddingCount == 0
                ? Invalid("task_embedding", $"is required: tenant '{tenant}' stores {tenantSpace.Describe()}")
                : Invalid("task_embedding", $"must have {tenantSpace.Dimension} values: tenant '{tenant}' stores {tenantSpace.Describe()} (got {embeddingCount})");

    private static RpcException AuctionNotFound(string tenant, string auctionId) =>
        new(new Status(StatusCode.NotFound, $"auction_id '{auctionId}' of tenant '{tenant}' not found (never recorded, evicted or expired)"));

    private static string Describe(Outcome outcome) =>
        $"success {outcome.Success}, score {outcome.Score}, actual_cost_micros {outcome.ActualCostMicros}";
}
