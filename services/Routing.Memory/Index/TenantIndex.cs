using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Routing.Memory.Index;

/// <summary>
/// One tenant's auctions in memory: unit vectors in contiguous float chunks plus their int8 codes, and per
/// auction the id, the bidders, the creation time and the change-log sequence that wrote it.
/// <para>
/// A search scans the int8 codes (a quarter of the float bytes, so memory bandwidth allows 100k×384 in a
/// few milliseconds), bounds every estimate by the stored quantisation errors, and rescores in float only
/// the auctions whose upper bound reaches the k-th best lower bound. The result is exactly the float top k.
/// </para>
/// Chunks start small and grow to <see cref="MaxChunk"/> records, so a small tenant costs little and a large
/// one never needs a large contiguous copy; removal moves the last auction into the freed slot.
/// </summary>
public sealed class TenantIndex
{
    private const int FirstChunk = 16;
    private const int MaxChunk = 1024;
    private const int SmallChunks = 6; // 16, 32, …, 512: 1008 slots, then chunks of 1024.
    private const int SmallChunkSlots = 1008;

    /// <summary>Tenants at least this large are scanned by several threads at once.</summary>
    private const int ParallelThreshold = 32_768;

    /// <summary>Slack on the quantisation bound for float rounding in the estimate.</summary>
    private const float RoundingSlack = 1e-4f;

    private readonly ReaderWriterLockSlim _lock = new();
    private readonly List<float[]> _vectorChunks = [];
    private readonly List<sbyte[]> _codeChunks = [];
    private readonly List<string> _ids = [];
    private readonly List<int[]> _agents = [];
    private readonly List<ulong> _agentMasks = [];
    private readonly List<long> _created = [];
    private readonly List<long> _sequences = [];
    private readonly List<float> _scales = [];
    private readonly List<float> _errors = [];
    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _agentIds = new(StringComparer.Ordinal);
    private readonly int _stride;

    public TenantIndex(string tenant, VectorSpaceId space)
    {
        ArgumentNullException.ThrowIfNull(space);
        Tenant = tenant;
        Space = space;
        _stride = Int8Vectors.Stride(space.Dimension);
    }

    public string Tenant { get; }

    public VectorSpaceId Space { get; }

    public int Dimension => Space.Dimension;

    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _ids.Count;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    /// <summary>Bytes held for this tenant: vector and code chunks, per-auction fields and the id map (strings estimated).</summary>
    public long ApproximateBytes
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                long bytes = 0;
                foreach (var chunk in _vectorChunks)
                {
                    bytes += chunk.LongLength * sizeof(float);
                }
                foreach (var chunk in _codeChunks)
                {
                    bytes += chunk.LongLength;
                }
                bytes += _ids.Capacity * (8L + 8 + 8 + 8 + 4 + 4 + 8);
                foreach (var id in _ids)
                {
                    bytes += 22 + 2L * id.Length;
                }
                foreach (var agents in _agents)
                {
                    bytes += 24 + 4L * agents.Length;
                }
                bytes += _slots.Count * 24L;
                return bytes;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    /// <summary>The sequence of the indexed auction, or null when it is not indexed.</summary>
    public long? SequenceOf(string auctionId)
    {
        _lock.EnterReadLock();
        try
        {
            return _slots.TryGetValue(auctionId, out var slot) ? _sequences[slot] : null;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Adds or replaces an auction unless the index already holds a newer write of the same id.</summary>
    public bool Upsert(IndexedAuction auction)
    {
        ArgumentNullException.ThrowIfNull(auction);
        if (auction.Vector.Length != Dimension)
        {
            throw new ArgumentException($"vector has {auction.Vector.Length} elements, the index {Dimension}", nameof(auction));
        }
        _lock.EnterWriteLock();
        try
        {
            if (_slots.TryGetValue(auction.AuctionId, out var slot))
            {
                if (_sequences[slot] >= auction.Sequence)
                {
                    return false;
                }
            }
            else
            {
                slot = _ids.Count;
                EnsureCapacity(slot + 1);
                _ids.Add(auction.AuctionId);
                _agents.Add([]);
                _agentMasks.Add(0);
                _created.Add(0);
                _sequences.Add(0);
                _scales.Add(0);
                _errors.Add(0);
                _slots[auction.AuctionId] = slot;
            }
            var (vectors, codes, offset) = Locate(slot);
            auction.Vector.CopyTo(vectors.AsSpan(offset * Dimension, Dimension));
            var (scale, error) = Int8Vectors.Quantize(auction.Vector, codes.AsSpan(offset * _stride, _stride));
            _scales[slot] = scale;
            _errors[slot] = error;
            _created[slot] = auction.CreatedMs;
            _sequences[slot] = auction.Sequence;
            _agents[slot] = InternAgents(auction.Agents);
            _agentMasks[slot] = Mask(_agents[slot]);
            return true;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Removes an auction written before <paramref name="sequence"/>; a newer write of the same id stays.</summary>
    public bool Remove(string auctionId, long sequence = long.MaxValue)
    {
        _lock.EnterWriteLock();
        try
        {
            if (!_slots.TryGetValue(auctionId, out var slot) || _sequences[slot] >= sequence)
            {
                return false;
            }
            var last = _ids.Count - 1;
            if (slot != last)
            {
                var (fromVectors, fromCodes, fromOffset) = Locate(last);
                var (toVectors, toCodes, toOffset) = Locate(slot);
                Array.Copy(fromVectors, fromOffset * Dimension, toVectors, toOffset * Dimension, Dimension);
                Array.Copy(fromCodes, fromOffset * _stride, toCodes, toOffset * _stride, _stride);
                _ids[slot] = _ids[last];
                _agents[slot] = _agents[last];
                _agentMasks[slot] = _agentMasks[last];
                _created[slot] = _created[last];
                _sequences[slot] = _sequences[last];
                _scales[slot] = _scales[last];
                _errors[slot] = _errors[last];
                _slots[_ids[slot]] = slot;
            }
            _slots.Remove(auctionId);
            _ids.RemoveAt(last);
            _agents.RemoveAt(last);
            _agentMasks.RemoveAt(last);
            _created.RemoveAt(last);
            _sequences.RemoveAt(last);
            _scales.RemoveAt(last);
            _errors.RemoveAt(last);
            ReleaseEmptyChunks();
            return true;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>
    /// The <paramref name="k"/> auctions most similar to <paramref name="query"/> (a unit vector) among those
    /// in which <paramref name="agent"/> bid, created at or after <paramref name="minCreatedMs"/>, other than
    /// <paramref name="excludeId"/>; most similar first, ties by auction id. Returns the number of candidates.
    /// </summary>
    public int Search(ReadOnlySpan<float> query, string agent, int k, string? excludeId, long minCreatedMs, List<SearchHit> hits)
    {
        ArgumentNullException.ThrowIfNull(hits);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (query.Length != Dimension)
        {
            throw new ArgumentException($"query has {query.Length} elements, the index {Dimension}", nameof(query));
        }
        _lock.EnterReadLock();
        try
        {
            if (!_agentIds.TryGetValue(agent, out var agentId))
            {
                return 0;
            }
            var count = _ids.Count;
            var estimates = ArrayPool<float>.Shared.Rent(Math.Max(count, 1));
            try
            {
                var scan = new Scan(this, query, agentId, excludeId is not null && _slots.TryGetValue(excludeId, out var excluded) ? excluded : -1,
                    minCreatedMs, k, estimates);
                var partitions = count >= ParallelThreshold ? Math.Min(Environment.ProcessorCount, scan.Partitions.Length) : 1;
                if (partitions == 1)
                {
                    scan.Run(0, 1);
                }
                else
                {
                    Parallel.For(0, partitions, partition => scan.Run(partition, partitions));
                }
                var threshold = scan.Threshold();

                // Rescore in float every auction whose upper bound reaches the k-th best lower bound.
                var errors = CollectionsMarshal.AsSpan(_errors);
                var exact = new List<SearchHit>();
                for (var i = 0; i < count; i++)
                {
                    var estimate = estimates[i];
                    if (float.IsNaN(estimate) || estimate + scan.QueryHatNorm * errors[i] + scan.QueryError + RoundingSlack < threshold)
                    {
                        continue;
                    }
                    var (vectors, _, offset) = Locate(i);
                    exact.Add(new SearchHit(_ids[i], TensorPrimitives.Dot(query, vectors.AsSpan(offset * Dimension, Dimension))));
                }
                exact.Sort(static (a, b) => b.Similarity != a.Similarity
                    ? b.Similarity.CompareTo(a.Similarity)
                    : string.CompareOrdinal(a.AuctionId, b.AuctionId));
                for (var i = 0; i < exact.Count && i < k; i++)
                {
                    hits.Add(exact[i]);
                }
                return scan.Candidates;
            }
            finally
            {
                ArrayPool<float>.Shared.Return(estimates);
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// Reference for tests and the benchmark: the float cosine of every auction (SIMD dot products over the
    /// contiguous chunks) and a top-k heap, with no int8 pruning.
    /// </summary>
    public List<SearchHit> SearchExhaustive(ReadOnlySpan<float> query, string agent, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        _lock.EnterReadLock();
        try
        {
            var all = new List<SearchHit>();
            if (!_agentIds.TryGetValue(agent, out var agentId))
            {
                return all;
            }
            var count = _ids.Count;
            var similarities = ArrayPool<float>.Shared.Rent(Math.Max(count, 1));
            try
            {
                for (var i = 0; i < count; i++)
                {
                    var (vectors, _, offset) = Locate(i);
                    similarities[i] = TensorPrimitives.Dot(query, vectors.AsSpan(offset * Dimension, Dimension));
                }
                // The root is the worst of the k kept: lowest similarity, then the greatest id.
                var best = new PriorityQueue<int, SearchHit>(k + 1, WorstFirst.Instance);
                for (var i = 0; i < count; i++)
                {
                    if (!HasAgent(i, agentId))
                    {
                        continue;
                    }
                    var hit = new SearchHit(_ids[i], similarities[i]);
                    if (best.Count < k)
                    {
                        best.Enqueue(i, hit);
                    }
                    else if (WorstFirst.Instance.Compare(hit, PeekPriority(best)) > 0)
                    {
                        best.EnqueueDequeue(i, hit);
                    }
                }
                while (best.TryDequeue(out _, out var hit))
                {
                    all.Add(hit);
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(similarities);
            }
            all.Sort(static (a, b) => b.Similarity != a.Similarity
                ? b.Similarity.CompareTo(a.Similarity)
                : string.CompareOrdinal(a.AuctionId, b.AuctionId));
            return all.Count > k ? all[..k] : all;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private static SearchHit PeekPriority(PriorityQueue<int, SearchHit> queue) =>
        queue.TryPeek(out _, out var priority) ? priority : default;

    private bool HasAgent(int slot, int agentId) =>
        agentId < 64 ? (_agentMasks[slot] & (1UL << agentId)) != 0 : Array.IndexOf(_agents[slot], agentId) >= 0;

    /// <summary>The first 64 agents of a tenant as bits, so the filter needs no pointer chase per auction.</summary>
    private static ulong Mask(int[] agents)
    {
        var mask = 0UL;
        foreach (var id in agents)
        {
            if (id < 64)
            {
                mask |= 1UL << id;
            }
        }
        return mask;
    }

    private static int ChunkStart(int chunk) =>
        chunk < SmallChunks ? FirstChunk * ((1 << chunk) - 1) : SmallChunkSlots + (chunk - SmallChunks) * MaxChunk;

    private int[] InternAgents(string[] agents)
    {
        var ids = new int[agents.Length];
        var distinct = 0;
        foreach (var agent in agents)
        {
            if (!_agentIds.TryGetValue(agent, out var id))
            {
                id = _agentIds.Count;
                _agentIds[agent] = id;
            }
            if (Array.IndexOf(ids, id, 0, distinct) < 0)
            {
                ids[distinct++] = id;
            }
        }
        return distinct == ids.Length ? ids : ids[..distinct];
    }

    private static int ChunkCapacity(int chunk) => chunk < SmallChunks ? FirstChunk << chunk : MaxChunk;

    private static (int Chunk, int Offset) Position(int slot)
    {
        if (slot >= SmallChunkSlots)
        {
            var rest = slot - SmallChunkSlots;
            return (SmallChunks + rest / MaxChunk, rest % MaxChunk);
        }
        var chunk = 0;
        var start = 0;
        while (slot >= start + ChunkCapacity(chunk))
        {
            start += ChunkCapacity(chunk);
            chunk++;
        }
        return (chunk, slot - start);
    }

    private (float[] Vectors, sbyte[] Codes, int Offset) Locate(int slot)
    {
        var (chunk, offset) = Position(slot);
        return (_vectorChunks[chunk], _codeChunks[chunk], offset);
    }

    private void EnsureCapacity(int slots)
    {
        while (Capacity() < slots)
        {
            var capacity = ChunkCapacity(_vectorChunks.Count);
            _vectorChunks.Add(new float[capacity * Dimension]);
            _codeChunks.Add(new sbyte[capacity * _stride]);
        }
    }

    private int Capacity()
    {
        var total = 0;
        for (var i = 0; i < _vectorChunks.Count; i++)
        {
            total += ChunkCapacity(i);
        }
        return total;
    }

    /// <summary>Keeps memory proportional to the auctions kept: a trailing chunk with nothing in it is dropped.</summary>
    private void ReleaseEmptyChunks()
    {
        while (_vectorChunks.Count > 0 && Capacity() - ChunkCapacity(_vectorChunks.Count - 1) >= _ids.Count)
        {
            _vectorChunks.RemoveAt(_vectorChunks.Count - 1);
            _codeChunks.RemoveAt(_codeChunks.Count - 1);
        }
    }

    /// <summary>
    /// The int8 pass of one search: writes every eligible auction's estimate (NaN for the others) and keeps,
    /// per partition of chunks, the k best lower bounds. Runs under the index's read lock.
    /// </summary>
    private sealed class Scan
    {
        private readonly TenantIndex _index;
        private readonly sbyte[] _queryCodes;
        private readonly float _queryScale;
        private readonly int _agentId;
        private readonly int _excluded;
        private readonly long _minCreatedMs;
        private readonly int _k;
        private readonly float[] _estimates;
        private int _candidates;

        public Scan(TenantIndex index, ReadOnlySpan<float> query, int agentId, int excluded, long minCreatedMs, int k, float[] estimates)
        {
            _index = index;
            _queryCodes = new sbyte[index._stride];
            (_queryScale, QueryError) = Int8Vectors.Quantize(query, _queryCodes);
            // |q·v − q̂·v̂| ≤ ‖q̂‖·‖v − v̂‖ + ‖q − q̂‖·‖v‖, with ‖v‖ = 1 and ‖q̂‖ ≤ 1 + ‖q − q̂‖.
            QueryHatNorm = 1 + QueryError;
            _agentId = agentId;
            _excluded = excluded;
            _minCreatedMs = minCreatedMs;
            _k = k;
            _estimates = estimates;
            Partitions = new PriorityQueue<float, float>[Math.Max(1, Math.Min(8, index._codeChunks.Count))];
        }

        public float QueryError { get; }

        public float QueryHatNorm { get; }

        public int Candidates => _candidates;

        public PriorityQueue<float, float>[] Partitions { get; }

        public void Run(int partition, int partitions)
        {
            var index = _index;
            var count = index._ids.Count;
            var stride = index._stride;
            var created = CollectionsMarshal.AsSpan(index._created);
            var masks = CollectionsMarshal.AsSpan(index._agentMasks);
            var scales = CollectionsMarshal.AsSpan(index._scales);
            var errors = CollectionsMarshal.AsSpan(index._errors);
            var codes = _queryCodes.AsSpan();
            var agentBit = _agentId < 64 ? 1UL << _agentId : 0;
            var lowerBounds = new PriorityQueue<float, float>(_k + 1);
            var candidates = 0;
            var chunks = index._codeChunks.Count;
            for (var chunk = partition * chunks / partitions; chunk < (partition + 1) * chunks / partitions; chunk++)
            {
                var chunkCodes = index._codeChunks[chunk];
                var slot = ChunkStart(chunk);
                var end = Math.Min(slot + chunkCodes.Length / stride, count);
                // Every dot product first, without branches: a filter decided per auction before its load would
                // serialise the memory reads behind branch mispredictions (measured 4× slower at 100k).
                for (int offset = 0, at = slot; at < end; offset++, at++)
                {
                    _estimates[at] = _queryScale * scales[at] * Int8Vectors.Dot(codes, chunkCodes.AsSpan(offset * stride, stride));
                }
                // Then the filter and the k best lower bounds, over small arrays already in cache.
                for (; slot < end; slot++)
                {
                    var eligible = agentBit != 0 ? (masks[slot] & agentBit) != 0 : index.HasAgent(slot, _agentId);
                    if (!eligible || slot == _excluded || created[slot] < _minCreatedMs)
                    {
                        _estimates[slot] = float.NaN;
                        continue;
                    }
                    candidates++;
                    var lower = _estimates[slot] - (QueryHatNorm * errors[slot] + QueryError + RoundingSlack);
                    if (lowerBounds.Count < _k)
                    {
                        lowerBounds.Enqueue(lower, lower);
                    }
                    else if (lower > lowerBounds.Peek())
                    {
                        lowerBounds.EnqueueDequeue(lower, lower);
                    }
                }
            }
            Partitions[partition] = lowerBounds;
            Interlocked.Add(ref _candidates, candidates);
        }

        /// <summary>The k-th best lower bound over all partitions; −∞ when fewer than k auctions are eligible.</summary>
        public float Threshold()
        {
            var merged = new PriorityQueue<float, float>(_k + 1);
            foreach (var partition in Partitions)
            {
                if (partition is null)
                {
                    continue;
                }
                while (partition.TryDequeue(out var lower, out _))
                {
                    if (merged.Count < _k)
                    {
                        merged.Enqueue(lower, lower);
                    }
                    else if (lower > merged.Peek())
                    {
                        merged.EnqueueDequeue(lower, lower);
                    }
                }
            }
            return merged.Count < _k ? float.NegativeInfinity : merged.Peek();
        }
    }

    /// <summary>Orders hits worst first: lower similarity, then (on equal similarity) the greater auction id.</summary>
    private sealed class WorstFirst : IComparer<SearchHit>
    {
        public static readonly WorstFirst Instance = new();

        public int Compare(SearchHit x, SearchHit y) => x.Similarity != y.Similarity
            ? x.Similarity.CompareTo(y.Similarity)
            : string.CompareOrdinal(y.AuctionId, x.AuctionId);
    }
}
