namespace Routing.Memory.Storage;

public enum RecordStatus
{
    Created,
    Replayed,
    Conflict,
    SpaceMismatch,
}

/// <summary>Reply of the record script. <see cref="Space"/> is the tenant's space (the conflicting one on a mismatch).</summary>
public sealed record RecordResult(RecordStatus Status, string Space, long Sequence, IReadOnlyList<(string AuctionId, long Sequence)> Evicted);

public enum OutcomeStatus
{
    UnknownAuction,
    Recorded,
    Replayed,
    Conflict,
}

public sealed record OutcomeResult(OutcomeStatus Status, byte[] StoredOutcome);

/// <summary>An auction as read back from Redis: its protobuf record, its outcome if any, its vector if asked for.</summary>
public sealed record StoredAuction(byte[] Record, byte[]? Outcome, byte[]? Vector);

/// <summary>One entry of the change log.</summary>
public readonly record struct Change(long Sequence, bool Added, string Tenant, string AuctionId);

/// <summary>What loading or following the log reads of an auction to index it.</summary>
public sealed record AuctionVector(string AuctionId, float[] Vector, string[] Agents, long CreatedMs, long Sequence);
