namespace Routing.Memory.Index;

/// <summary>One retrieved auction and its cosine similarity to the query.</summary>
public readonly record struct SearchHit(string AuctionId, float Similarity);

/// <summary>What the index stores of one auction: its normalised vector and who bid in it.</summary>
public sealed record IndexedAuction(string AuctionId, float[] Vector, string[] Agents, long CreatedMs, long Sequence);
